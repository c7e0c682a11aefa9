import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { registryKeys, waitUntil, type Etcd3 } from '@microflack/common';
import { haproxyPaths, MasterSocket, publishedBalancerState } from '@microflack/haproxy';
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

function masterSocket(settings: LocalSettings): MasterSocket {
  return new MasterSocket(haproxyPaths(join(settings.MF_STATE_DIR, 'haproxy')).masterSocket);
}

/** The local HAProxy's view of every server, by instance id; empty when HAProxy is not running. */
export async function serverStatuses(settings: LocalSettings): Promise<Map<string, string>> {
  const socket = masterSocket(settings);
  // No socket, no HAProxy: answer at once rather than retry a connection that cannot succeed.
  if (!existsSync(socket.path)) return new Map();
  try {
    return parseServerStatuses(await socket.worker('show stat'));
  } catch {
    return new Map();
  }
}

/**
 * Resolves once the local HAProxy reports instance `id` UP, i.e. it takes traffic; at once when
 * no balancer watches this prefix (nothing to wait for).
 */
export async function waitUntilServing(
  settings: LocalSettings,
  etcd: Etcd3,
  id: string,
  timeoutMs = 30_000,
): Promise<void> {
  const key = registryKeys(settings.MF_ETCD_PREFIX).balancer;
  const watched = (await publishedBalancerState(etcd, key)) !== undefined;
  if (!watched || !existsSync(masterSocket(settings).path)) return;
  await waitUntil(async () => balancerStatus((await serverStatuses(settings)).get(id)) === 'UP', {
    what: `${id} to be UP in the load balancer`,
    timeoutMs,
  });
}
