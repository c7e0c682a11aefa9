// Operations on the whole platform: what a change to another service costs the open WebSockets
// (it should cost nothing: only the users backend changes, the socketio instances stay).
import type { LocalPlatform } from '@microflack/admin/testing';
import { waitFor } from '@microflack/common/testing';
import { io } from 'socket.io-client';
import { benchUser } from '../platform/platform.js';
import { type Row } from './row.js';

const CLIENTS = 50;

/** The ids of the users instances now. */
async function usersInstances(platform: LocalPlatform): Promise<Set<string>> {
  return new Set((await platform.ps('users')).map((row) => row.instance));
}

/**
 * Opens {@link CLIENTS} Socket.IO clients through the balancer, as the ui does (polling, then
 * the upgrade to a WebSocket), then `mfrun users` and `mfkill` of that new instance, and counts
 * the clients' disconnects meanwhile.
 */
export async function measureDisconnects(platform: LocalPlatform): Promise<Row> {
  const { balancer } = platform;
  const { token } = await benchUser(balancer.url);
  const sockets = Array.from({ length: CLIENTS }, () => io(balancer.url, { auth: { token } }));
  let disconnects = 0;
  let seen: number;
  try {
    await waitFor(
      () => sockets.every((s) => s.connected && s.io.engine.transport.name === 'websocket'),
      { timeoutMs: 30_000 },
    );
    sockets.forEach((socket) => socket.on('disconnect', () => disconnects++));
    const before = await usersInstances(platform);
    await platform.run('mfrun', ['users']);
    const added = [...(await usersInstances(platform))].filter((id) => !before.has(id));
    await balancer.watcher.settled();
    for (const id of added) await platform.run('mfkill', [id]);
    await balancer.watcher.settled();
    // Counted before the clients close: closing is a disconnect too.
    seen = disconnects;
  } finally {
    sockets.forEach((socket) => socket.close());
  }
  return {
    scenario: 'operations',
    what: `WebSocket disconnects of ${CLIENTS} clients from mfrun users, then mfkill of it`,
    measured: `${seen} disconnects`,
    baseline: '-',
    target: '0',
    data: { disconnects: seen },
  };
}
