import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { waitFor, type StandInAnswer } from '@microflack/common/testing';

/** An answer read whole. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * One request on a new connection (`Connection: close`). Tests that assert on routing use it
 * because a pooled keep-alive connection may belong to an HAProxy worker of the previous
 * configuration, which by design still serves that connection's next request.
 */
export function request(
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
    ca,
  }: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** The certificate an `https:` URL's server must present (a test's self-signed one). */
    ca?: string;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { method, headers, agent: false, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Resolves once a request to `url` (on a new connection) is answered by the stand-in listening
 * on `port`; a bounded wait, 5 s unless `timeoutMs` says otherwise.
 */
export async function routedTo(url: string, port: number, timeoutMs?: number): Promise<void> {
  await waitFor(async () => ((await request(url)).body as StandInAnswer).port === port, {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    what: `${url} to reach port ${port}`,
  });
}
