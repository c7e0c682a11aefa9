import type { InstanceRecord } from '@microflack/common/registry';
import type { RuntimeInstance } from '../runtime.js';
import { balancerStatus } from './balancer-state.js';
import { uptime } from './table.js';

/** One line of `mfps` (the keys of `--json`, in the order of the columns). */
export interface InstanceRow {
  instance: string;
  service: string;
  version: string;
  address: string;
  balancer: string;
  uptime: string;
  restarts: number | string;
  lastExit: string;
}

/** The column titles of `mfps`, in the order of {@link InstanceRow}'s keys. */
export const ROW_HEADER = [
  'INSTANCE',
  'SERVICE',
  'VERSION',
  'ADDRESS',
  'BALANCER',
  'UPTIME',
  'RESTARTS',
  'LAST EXIT',
];

/**
 * The rows of `mfps`: every registered instance (with its restarts when the runtime runs it),
 * then the runtime's instances not registered (restarting, or given up), by service and age. Pure.
 */
export function instanceRows(
  registered: readonly InstanceRecord[],
  local: readonly RuntimeInstance[],
  statuses: ReadonlyMap<string, string>,
  now: number,
): InstanceRow[] {
  const byId = new Map(local.map((instance) => [instance.id, instance]));
  const rows = registered.map((instance): InstanceRow => {
    const recorded = byId.get(instance.id);
    return {
      instance: instance.id,
      service: instance.service,
      version: instance.version,
      address: instance.address,
      balancer: balancerStatus(statuses.get(instance.id)),
      uptime: uptime(now - instance.started_at),
      restarts: recorded?.restarts ?? '-',
      lastExit: recorded?.lastExit ?? '-',
    };
  });
  const seen = new Set(registered.map((instance) => instance.id));
  const unregistered = local
    .filter((instance) => !seen.has(instance.id))
    .map((instance): InstanceRow => ({
      instance: instance.id,
      service: instance.service,
      version: instance.version,
      address: '-',
      balancer: instance.gaveUp ? 'GAVE UP' : '-',
      uptime: '-',
      restarts: instance.restarts,
      lastExit: instance.lastExit,
    }));
  return [...rows, ...unregistered];
}
