import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import {
  createServiceApp,
  startService,
  type BaseConfig,
  type RunningService,
} from '@microflack/common';
import { silentLogger, waitFor } from '@microflack/common/testing';
import { SESSION_COOKIE } from '@microflack/haproxy';

/** The one event of the stand-in: which instance (port) holds this socket. */
export interface ClientEvents {
  whoami(ack: (port: number) => void): void;
}

/** A client of {@link startSocketInstance}. */
export type WhoamiClient = Socket<Record<string, never>, ClientEvents>;

/**
 * A Socket.IO instance registered like the socketio service: sticky, at /socket.io, its handshake
 * setting Socket.IO's session cookie (the server option socketio sets too).
 */
export function startSocketInstance(config: BaseConfig): Promise<RunningService> {
  let io: Server<ClientEvents> | undefined;
  return startService({
    name: 'socketio',
    version: '0.0.0',
    route: { location: '/socket.io', balance: 'roundrobin', sticky: true },
    config,
    logger: silentLogger(),
    build: ({ logger }) => ({
      app: createServiceApp(logger, () => undefined),
      attach(server) {
        const sockets = new Server<ClientEvents>(server, {
          path: '/socket.io',
          cookie: { name: SESSION_COOKIE, path: '/', httpOnly: true, sameSite: 'lax' },
        });
        sockets.on('connection', (socket) => {
          socket.on('whoami', (ack) => ack((server.address() as AddressInfo).port));
        });
        io = sockets;
      },
      async drain() {
        await io?.close();
      },
    }),
  });
}

/** A client of the balancer at `url`, connected (resolves once connected, rejects on failure). */
export async function connectWhoami(
  url: string,
  options: Parameters<typeof connectClient>[1] = {},
): Promise<WhoamiClient> {
  const client: WhoamiClient = connectClient(url, { reconnection: false, ...options });
  await new Promise((resolve, reject) => {
    client.once('connect', () => resolve(undefined));
    client.once('connect_error', (error) => {
      client.disconnect();
      reject(error);
    });
  });
  return client;
}

/** {@link connectWhoami}, tried again until the balancer routes Socket.IO (a bounded wait). */
export async function connectWhenRouted(url: string): Promise<WhoamiClient> {
  const connected: WhoamiClient[] = [];
  await waitFor(async () => connected.push(await connectWhoami(url)) > 0, {
    what: 'a Socket.IO client to connect through the balancer',
  });
  const [client] = connected;
  if (client === undefined) throw new Error('no Socket.IO client connected');
  return client;
}
