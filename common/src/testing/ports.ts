import type { AddressInfo } from 'node:net';

export { freePort } from '../free-port.js';

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
