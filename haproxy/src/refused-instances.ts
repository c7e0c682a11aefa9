import type { InstanceRecord } from '@microflack/common';
import type { RegistrySnapshot } from './snapshot.js';

/** An instance as HAProxy saw it: a new address is a new chance. */
export function instanceKey(instance: InstanceRecord): string {
  return `${instance.id}@${instance.address}`;
}

/**
 * The instances a refused configuration's ALERT lines point at, by the name of their server
 * (`'users/users-1-ab'`) or by the line number of their `server` line (`[haproxy.cfg:88]`). Pure.
 */
export function blamedInstances(
  reason: string,
  text: string,
  snapshot: RegistrySnapshot,
): InstanceRecord[] {
  const lines = text.split('\n');
  const serversOnBlamedLines = [...reason.matchAll(/\[[^\]\s]*:(\d+)\]/g)].map(
    ([, line]) => /^ {4}server (\S+) /.exec(lines[Number(line) - 1] ?? '')?.[1],
  );
  return snapshot.services
    .flatMap((service) => service.instances)
    .filter(
      ({ id }) =>
        reason.includes(`'${id}'`) || // backend 'b': server 'id' has …
        reason.includes(`/${id}'`) || // 'server b/id' : …
        serversOnBlamedLines.includes(id),
    );
}

/** `snapshot` without the instances in `refused`, each reported in its problems. Pure. */
export function withoutRefused(
  snapshot: RegistrySnapshot,
  refused: ReadonlySet<string>,
): RegistrySnapshot {
  if (refused.size === 0) return snapshot;
  const problems = [...snapshot.problems];
  const services = snapshot.services.map((service) => ({
    ...service,
    instances: service.instances.filter((instance) => {
      const keep = !refused.has(instanceKey(instance));
      if (!keep)
        problems.push(`ignored instance ${instance.id}: HAProxy refused ${instance.address}`);
      return keep;
    }),
  }));
  return { ...snapshot, services, problems };
}
