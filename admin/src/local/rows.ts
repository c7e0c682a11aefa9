import type { InstanceRecord } from '@microflack/common/registry';
import { balancerStatus } from './balancer-state.js';
import { describeExit, type RecordedInstance } from './supervision.js';
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
 * The rows of `mfps`: every registered instance (with its supervisor's counts when it is local),
 * then the local instances not registered (restarting, or given up), by service and age. Pure.
 */
export function instanceRows(
  registered: readonly InstanceRecord[],
  local: readonly RecordedInstance[],
  statuses: ReadonlyMap<string, string>,
  now: number,
): InstanceRow[] {
  const byId = new Map(local.map((recorded) => [recorded.spec.id, recorded]));
  const rows = registered.map((instance): InstanceRow => {
    const recorded = byId.get(instance.id);
    return {
      instance: instance.id,
      service: instance.service,
      version: instance.version,
      address: instance.address,
      balancer: balancerStatus(statuses.get(instance.id)),
      uptime: uptime(now - instance.started_at),
      restarts: recorded?.state?.restarts ?? '-',
      lastExit: recorded ? describeExit(recorded.state) : '-',
    };
  });
  const seen = new Set(registered.map((instance) => instance.id));
  const unregistered = local
    .filter((recorded) => !seen.has(recorded.spec.id))
    .map(({ spec, state }): InstanceRow => ({
      instance: spec.id,
      service: spec.service,
      version: spec.version,
      address: '-',
      balancer: state?.status === 'crash-loop' ? 'GAVE UP' : '-',
      uptime: '-',
      restarts: state?.restarts ?? 0,
      lastExit: describeExit(state),
    }));
  return [...rows, ...unregistered];
}
