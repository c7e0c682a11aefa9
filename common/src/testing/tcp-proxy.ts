import { once } from 'node:events';
import { createServer, Socket, type Server } from 'node:net';
import { freePort } from './ports.js';

/** A TCP proxy to cut one client off a server (a partition) while others still reach it. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: give this to the client to cut off. */
  url: string;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<free port> to `target` (`host:port`) until cut or closed. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const url = new URL(`tcp://${target}`);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async () => {
    server = createServer((incoming) => {
      const outgoing = new Socket();
      outgoing.connect(Number(url.port), url.hostname);
      for (const socket of [incoming, outgoing]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => sockets.delete(socket));
      }
      incoming.pipe(outgoing).pipe(incoming);
      incoming.on('close', () => outgoing.destroy());
      outgoing.on('close', () => incoming.destroy());
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, cut, restore: listen, close: cut };
}
