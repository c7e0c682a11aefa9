import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';

/** A stand-in for the load balancer's path routing, for tests that need no HAProxy. */
export interface PathRouter {
  url: string;
  /** Points `prefix` at `target` (`http://host:port`). */
  route(prefix: string, target: string): void;
  close(): Promise<void>;
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return address.port;
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
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'No instance.', code: 'no_instances' }));
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
