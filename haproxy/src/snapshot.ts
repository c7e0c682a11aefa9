import {
  describeProblems,
  instanceRecord,
  parseJsonValue,
  serviceConfigRecord,
  serviceName,
  type InstanceRecord,
  type ServiceConfigRecord,
} from '@microflack/common';
import { catalogRefusal, type Catalog } from './catalog.js';
import { addressProblem } from './instance-address.js';

/** A service as the balancer routes it: its config and its live instances (sorted by id). */
export interface ServiceRoute {
  name: string;
  config: ServiceConfigRecord;
  instances: InstanceRecord[];
}

/** The registry at one etcd revision, reduced to what the load balancer needs. */
export interface RegistrySnapshot {
  /** The etcd revision the snapshot was read at (a decimal string, as etcd reports it). */
  revision: string;
  /** Every service that has a config, sorted by name. */
  services: ServiceRoute[];
  /** Registry entries that were ignored, each as one human sentence (logged by the watcher). */
  problems: string[];
}

/** One etcd key/value pair, decoded. */
export interface RegistryEntry {
  key: string;
  value: string;
}

/**
 * Builds a snapshot from the entries under `<prefix>/services/`. Pure: entries that do not follow
 * the registry's shapes (docs/architecture.md, registry), addresses HAProxy would refuse and
 * services at a location `catalog` does not assign them are skipped, each reported in `problems`
 * and never rendered: one bad entry cannot take the others down with it.
 */
export function parseRegistry(
  prefix: string,
  revision: string,
  entries: readonly RegistryEntry[],
  catalog: Catalog,
): RegistrySnapshot {
  const root = `${prefix}/services/`;
  const configs = new Map<string, ServiceConfigRecord>();
  const instances = new Map<string, InstanceRecord[]>();
  const problems: string[] = [];
  for (const { key, value } of entries) {
    const path = key.startsWith(root) ? key.slice(root.length).split('/') : [];
    const [service = '', kind, id, ...rest] = path;
    if (!serviceName.safeParse(service).success || rest.length > 0) {
      problems.push(`ignored ${key}: not a service key`);
    } else if (kind === 'config' && id === undefined) {
      const parsed = parseJsonValue(serviceConfigRecord, value);
      if (parsed.success) configs.set(service, parsed.data);
      else problems.push(`ignored ${key}: ${describeProblems(parsed.error)}`);
    } else if (kind === 'instances' && id !== undefined) {
      const parsed = parseJsonValue(instanceRecord, value);
      const problem = parsed.success
        ? instanceProblem(parsed.data, id, service)
        : describeProblems(parsed.error);
      if (problem !== undefined) problems.push(`ignored ${key}: ${problem}`);
      else if (parsed.success)
        instances.set(service, [...(instances.get(service) ?? []), parsed.data]);
    } else {
      problems.push(`ignored ${key}: not a config or instance key`);
    }
  }
  for (const [service, list] of instances) {
    if (!configs.has(service))
      problems.push(`ignored ${list.length} instance(s) of ${service}: the service has no config`);
  }
  const services: ServiceRoute[] = [];
  for (const [name, config] of [...configs].sort(([a], [b]) => a.localeCompare(b))) {
    const refusal = catalogRefusal(catalog, name, config.location, config.extra_locations);
    if (refusal !== undefined) {
      problems.push(`ignored service ${name}: ${refusal}`);
      continue;
    }
    const list = (instances.get(name) ?? []).sort((a, b) => a.id.localeCompare(b.id));
    services.push({ name, config, instances: list });
  }
  return { revision, services, problems };
}

/** Why an instance record under `…/<service>/instances/<id>` is not routed, if it is not. Pure. */
function instanceProblem(record: InstanceRecord, id: string, service: string): string | undefined {
  if (record.id !== id || record.service !== service)
    return 'its id or service does not match its key';
  return addressProblem(record.address);
}
