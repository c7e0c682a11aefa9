import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** A free TCP port on 127.0.0.1, as the kernel hands out for port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Something with a port: a URL, a `host:port` address, a listening server or a started instance. */
export type HasPort = string | { url: string } | { address(): AddressInfo | string | null };

/** The port of a URL (`http://127.0.0.1:8080`), an address (`127.0.0.1:8080`), a server or instance. */
export function portOf(where: HasPort): number {
  if (typeof where === 'object' && 'url' in where) return portOf(where.url);
  if (typeof where === 'object') {
    const address = where.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
    return address.port;
  }
  const port = where.includes('://')
    ? new URL(where).port
    : where.slice(where.lastIndexOf(':') + 1);
  if (!/^\d+$/.test(port)) throw new Error(`no port in ${where}`);
  return Number(port);
}
