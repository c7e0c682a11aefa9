import type { InstanceRecord, ServiceConfigRecord } from '@microflack/common';
import { z } from 'zod';

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

// Everything below ends up inside haproxy.cfg, so each field is held to characters HAProxy
// takes literally: a registry entry can never inject configuration.
const serviceName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/);
const instanceId = z.string().regex(/^[A-Za-z0-9][\w.-]{0,127}$/);

const serviceConfig = z.object({
  location: z.string().regex(/^\/([\w.~-]+(\/[\w.~-]+)*)?$/, 'must be "/" or "/a/path"'),
  balance: z.enum(['roundrobin', 'leastconn', 'source']).default('roundrobin'),
  sticky: z.boolean().default(false),
});

const instanceRecord = z.object({
  id: instanceId,
  service: serviceName,
  version: z.string(),
  address: z
    .string()
    .regex(/^([\w.-]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, 'must be host:port')
    .refine((address) => Number(address.slice(address.lastIndexOf(':') + 1)) <= 65535),
  started_at: z.number(),
});

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`)
    .join('; ');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Builds a snapshot from the entries under `<prefix>/services/`. Pure: entries that do not
 * follow SPEC §4 are skipped and reported in `problems`, never rendered.
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
      const parsed = serviceConfig.safeParse(parseJson(value));
      if (parsed.success) configs.set(service, parsed.data);
      else problems.push(`ignored ${key}: ${describe(parsed.error)}`);
    } else if (kind === 'instances' && id !== undefined) {
      const parsed = instanceRecord.safeParse(parseJson(value));
      if (!parsed.success) problems.push(`ignored ${key}: ${describe(parsed.error)}`);
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
