import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { crashable } from './crashable.js';
import { freePort } from './ports.js';

/** A private Redis for tests that must stop or restart Redis without touching the shared one. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Stops it (SIGKILL: as abrupt as a crash); its data is gone (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  const socket = new Socket();
  try {
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PING\r\n');
    const [reply] = (await once(socket, 'data')) as [Buffer];
    return reply.toString().startsWith('+PONG');
  } finally {
    socket.destroy();
  }
}

/** Starts a Redis without persistence on a free port; kill it with `kill()` when done. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const { start, kill } = crashable(
    () =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      ),
    () => answers(port),
    'private redis to answer',
  );
  await start();
  return { url: `redis://127.0.0.1:${port}`, kill, start };
}
