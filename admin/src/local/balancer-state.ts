import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { registryKeys, waitUntil, type Etcd3 } from '@microflack/common/registry';
import type { LocalSettings } from '../settings.js';

/** How the load balancer sees an instance (`mfps`, docs/operations.md); ABSENT: not in its configuration. */
export type BalancerStatus = 'UP' | 'DOWN' | 'DRAIN' | 'MAINT' | 'ABSENT';

/** Maps HAProxy's server status text (`UP`, `UP 1/2`, `DOWN 1/2`, `NOLB`, …) to an {@link BalancerStatus}. Pure. */
export function balancerStatus(status: string | undefined): BalancerStatus {
  if (status === undefined) return 'ABSENT';
  if (status.startsWith('MAINT')) return 'MAINT';
  if (status.startsWith('DRAIN') || status.startsWith('NOLB')) return 'DRAIN';
  // "UP 1/2" is going down, "DOWN 1/2" coming up: report where it is now, not where it heads.
  if (status.startsWith('UP')) return 'UP';
  return 'DOWN';
}

/** Server name → status from the CSV of `show stat` (servers only, not frontends or backends). Pure. */
export function parseServerStatuses(csv: string): Map<string, string> {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const name = columns.indexOf('svname');
  const status = columns.indexOf('status');
  const statuses = new Map<string, string>();
  for (const row of rows) {
    const fields = row.split(',');
    const server = fields[name];
    if (server && server !== 'FRONTEND' && server !== 'BACKEND')
      statuses.set(server, fields[status] ?? '');
  }
  return statuses;
}

/**
 * HAProxy's client, loaded on first use rather than with the command: the HAProxy package loads
 * common's front door (HTTP, database, Redis), which would add most of a second to `mfrun`
 * before it starts anything.
 */
async function masterSocket(settings: LocalSettings) {
  const { haproxyPaths, MasterSocket } = await import('@microflack/haproxy');
  return new MasterSocket(haproxyPaths(join(settings.MF_STATE_DIR, 'haproxy')).masterSocket);
}

/** The local HAProxy's view of every server, by instance id; empty when HAProxy is not running. */
export async function serverStatuses(settings: LocalSettings): Promise<Map<string, string>> {
  const socket = await masterSocket(settings);
  // No socket, no HAProxy: answer at once rather than retry a connection that cannot succeed.
  if (!existsSync(socket.path)) return new Map();
  try {
    return parseServerStatuses(await socket.worker('show stat'));
  } catch {
    return new Map();
  }
}

/** Resolves once the local HAProxy reports instance `id` UP (it takes traffic), or fails at the deadline. */
export type ServingWait = (id: string, timeoutMs?: number) => Promise<void>;

/**
 * Prepares {@link ServingWait} — loads HAProxy's client and reads whether a balancer watches this
 * prefix — so that it can run while an instance starts. With no balancer, the wait ends at once.
 */
export async function prepareServingWait(
  settings: LocalSettings,
  etcd: Etcd3,
): Promise<ServingWait> {
  const { publishedBalancerState } = await import('@microflack/haproxy');
  const key = registryKeys(settings.MF_ETCD_PREFIX).balancer;
  const watched = (await publishedBalancerState(etcd, key)) !== undefined;
  const socket = await masterSocket(settings);
  if (!watched || !existsSync(socket.path)) return () => Promise.resolve();
  return async (id, timeoutMs = 30_000) => {
    await waitUntil(
      async () =>
        balancerStatus(parseServerStatuses(await socket.worker('show stat')).get(id)) === 'UP',
      // HAProxy checks a new server at once: look often, the answer is close.
      { what: `${id} to be UP in the load balancer`, timeoutMs, intervalMs: 25, maxIntervalMs: 50 },
    );
  };
}
