import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { ErrorBody } from '@microflack/common';
import { portOf } from '@microflack/common/testing';

/** A stand-in for the load balancer's path routing, for tests that need no HAProxy. */
export interface PathRouter {
  url: string;
  /** Points `prefix` at `target` (`http://host:port`). */
  route(prefix: string, target: string): void;
  close(): Promise<void>;
}

/** Forwards each request to the target of the longest matching path prefix; 503 when none. */
export async function startPathRouter(): Promise<PathRouter> {
  const routes = new Map<string, string>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const prefix = [...routes.keys()]
      .filter((candidate) => path.startsWith(candidate))
      .sort((a, b) => b.length - a.length)[0];
    const target = prefix === undefined ? undefined : routes.get(prefix);
    if (target === undefined) {
      const body: ErrorBody = { error: 'No instance.', code: 'no_instances' };
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    const upstream = request(new URL(path, target), { method: req.method, headers: req.headers });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${portOf(server)}`,
    route: (prefix, target) => routes.set(prefix, target),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
