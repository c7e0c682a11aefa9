import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceClient, ServiceUnavailableError } from '@microflack/common';
import { freePort, portOf, silentLogger } from '@microflack/common/testing';

const fast = { attempts: 4, baseMs: 1, maxMs: 5, timeoutMs: 2000 };
let server: Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

/** A server that answers with the given statuses in turn (the last one repeats) and `headers`. */
async function answering(
  statuses: number[],
  seen: IncomingMessage[] = [],
  headers: Record<string, string> = {},
): Promise<string> {
  server = createServer((req, res) => {
    seen.push(req);
    const status = statuses.length > 1 ? (statuses.shift() ?? 200) : (statuses[0] ?? 200);
    res
      .writeHead(status, { ...headers, 'content-type': 'application/json' })
      .end(JSON.stringify({ status }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${portOf(server)}`;
}

describe('ServiceClient', () => {
  it('when the balancer answers 503 then 502, then a GET is retried until it succeeds', async () => {
    const seen: IncomingMessage[] = [];
    const client = new ServiceClient(await answering([503, 502, 200], seen), silentLogger(), fast);

    const response = await client.request('GET', '/api/things');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 200 });
    expect(seen).toHaveLength(3);
  });

  it('when a POST gets 502, then it is not retried (it may have been processed)', async () => {
    const seen: IncomingMessage[] = [];
    const client = new ServiceClient(await answering([502, 200], seen), silentLogger(), fast);

    const response = await client.request('POST', '/api/things', { json: { a: 1 } });

    expect(response.status).toBe(502);
    expect(seen).toHaveLength(1);
  });

  it('when a POST gets the 503 of no instance, then it is retried', async () => {
    const seen: IncomingMessage[] = [];
    const client = new ServiceClient(await answering([503, 201], seen), silentLogger(), fast);

    const response = await client.request('POST', '/api/things', { json: { a: 1 } });

    expect(response.status).toBe(201);
    expect(seen).toHaveLength(2);
  });

  it("when a once-call gets a service's own 503 or a 502, then it is not retried; the balancer's 503 is", async () => {
    const seen: IncomingMessage[] = [];
    const answers = [
      { status: 503, body: '<html>No server is available</html>' },
      { status: 503, body: JSON.stringify({ error: 'Busy.', code: 'busy' }) },
      { status: 502, body: '<html>Bad gateway</html>' },
    ];
    server = createServer((req, res) => {
      seen.push(req);
      const answer = answers.shift() ?? { status: 200, body: '{}' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new ServiceClient(`http://127.0.0.1:${portOf(server)}`, silentLogger(), fast);

    const busy = await client.request('GET', '/api/users/me', { once: true });
    const gateway = await client.request('GET', '/api/users/me', { once: true });

    expect(busy).toMatchObject({ status: 503, body: { code: 'busy' } });
    expect(gateway.status).toBe(502);
    expect(seen).toHaveLength(3);
  });

  it('when calls are made, then each opens its own connection, so no reload can close one under it', async () => {
    const client = new ServiceClient(await answering([200]), silentLogger(), fast);
    let connections = 0;
    server?.on('connection', () => connections++);

    for (let i = 0; i < 3; i++) await client.request('POST', '/api/things', { json: { i } });

    expect(connections).toBe(3);
  });

  it('when nothing listens, then every attempt is made and it fails clearly', async () => {
    const client = new ServiceClient(`http://127.0.0.1:${await freePort()}`, silentLogger(), fast);

    await expect(client.request('POST', '/api/things')).rejects.toThrow(ServiceUnavailableError);
  });

  it('when 4xx comes back, then it is returned as is, headers included', async () => {
    const seen: IncomingMessage[] = [];
    const url = await answering([429], seen, { 'retry-after': '7' });
    const client = new ServiceClient(url, silentLogger(), fast);

    const response = await client.request('GET', '/api/things', {
      headers: { authorization: 'Basic eDp5' },
    });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.body).toEqual({ status: 429 });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['authorization']).toBe('Basic eDp5');
  });
});
