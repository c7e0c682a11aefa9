import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { portOf } from '@microflack/common/testing';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local web server for previews: routes by path, remembers every path requested. */
export interface PageServer {
  url: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/** Serves `routes` on 127.0.0.1 (port 0); unknown paths are 404. */
export async function startPageServer(routes: Record<string, Handler>): Promise<PageServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const handler = routes[path];
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A handler answering `html` as `text/html`. */
export function html(body: string, contentType = 'text/html; charset=utf-8'): Handler {
  return (_req, res) => res.writeHead(200, { 'content-type': contentType }).end(body);
}

/** A handler redirecting to `location`. */
export function redirect(location: string, status = 302): Handler {
  return (_req, res) => res.writeHead(status, { location }).end();
}
