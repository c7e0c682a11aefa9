import {
  describeProblems,
  instanceRecord,
  parseJsonValue,
  serviceConfigRecord,
  serviceName,
  type InstanceRecord,
  type ServiceConfigRecord,
} from '@microflack/common';

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
 * Builds a snapshot from the entries under `<prefix>/services/`. Pure: entries that do not
 * follow the registry's shapes (docs/architecture.md, registry) are skipped and reported in `problems`, never rendered.
 */
export function parseRegistry(
  prefix: string,
  revision: string,
  entries: readonly RegistryEntry[],
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
      if (!parsed.success) problems.push(`ignored ${key}: ${describeProblems(parsed.error)}`);
      else if (parsed.data.id !== id || parsed.data.service !== service)
        problems.push(`ignored ${key}: its id or service does not match its key`);
      else instances.set(service, [...(instances.get(service) ?? []), parsed.data]);
    } else {
      problems.push(`ignored ${key}: not a config or instance key`);
    }
  }
  for (const [service, list] of instances) {
    if (!configs.has(service))
      problems.push(`ignored ${list.length} instance(s) of ${service}: the service has no config`);
  }
  const owners = new Map<string, string>();
  const services: ServiceRoute[] = [];
  for (const [name, config] of [...configs].sort(([a], [b]) => a.localeCompare(b))) {
    const owner = owners.get(config.location);
    if (owner !== undefined) {
      problems.push(`ignored service ${name}: ${owner} already serves ${config.location}`);
      continue;
    }
    owners.set(config.location, name);
    const list = (instances.get(name) ?? []).sort((a, b) => a.id.localeCompare(b.id));
    services.push({ name, config, instances: list });
  }
  return { revision, services, problems };
}
