import { z } from 'zod';

// The schemas of the registry's values (docs/architecture.md, registry), owned here and shared by
// the services, the watcher, the admin tools and the benchmark. Everything they admit may end up
// inside haproxy.cfg, so each field is held to characters HAProxy takes literally: a registry
// entry can never inject configuration.

/** A service name as it appears in keys and in haproxy.cfg (a backend name). */
export const serviceName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/);

const instanceId = z.string().regex(/^[A-Za-z0-9][\w.-]{0,127}$/);

const locationPath = z.string().regex(/^\/([\w.~-]+(\/[\w.~-]+)*)?$/, 'must be "/" or "/a/path"');

/** `<prefix>/services/<service>/config`: how the load balancer routes to the service. */
export const serviceConfigRecord = z.object({
  location: locationPath,
  /**
   * More path prefixes the service answers under (messages' `/api/channels`). Optional, so a
   * record without it, written by an older instance, still parses, and an older watcher ignores it.
   */
  extra_locations: z.array(locationPath).max(8).optional(),
  balance: z.enum(['roundrobin', 'leastconn', 'source']).default('roundrobin'),
  sticky: z.boolean().default(false),
});

/** How the load balancer routes to a service: written once per start under `…/config`. */
export type ServiceConfigRecord = z.infer<typeof serviceConfigRecord>;

/** `<prefix>/services/<service>/instances/<id>`: one live instance. */
export const instanceRecord = z.object({
  id: instanceId,
  service: serviceName,
  version: z.string(),
  address: z
    .string()
    .regex(/^([\w.-]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, 'must be host:port')
    .refine((address) => Number(address.slice(address.lastIndexOf(':') + 1)) <= 65535),
  started_at: z.number(),
});

/** One live instance, on the instance's lease under `…/instances/<id>`. */
export type InstanceRecord = z.infer<typeof instanceRecord>;

/** `<prefix>/balancer`: what the watcher publishes after each successful reload. */
export const balancerState = z.object({
  /** The registry revision the running HAProxy configuration reflects. */
  revision: z.string().regex(/^\d+$/, 'must be an etcd revision'),
});

/** What the load balancer watcher publishes after each successful reload. */
export type BalancerState = z.infer<typeof balancerState>;
