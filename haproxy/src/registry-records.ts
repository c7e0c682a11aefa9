import type { BalancerState, InstanceRecord, ServiceConfigRecord } from '@microflack/common';
import { z } from 'zod';

// The schemas of the registry's values (docs/architecture.md, registry), shared by the watcher,
// the admin tools and the benchmark. Everything they admit may end up inside haproxy.cfg, so each
// field is held to characters HAProxy takes literally: a registry entry can never inject
// configuration.

/** A service name as it appears in keys and in haproxy.cfg (a backend name). */
export const serviceName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/);

const instanceId = z.string().regex(/^[A-Za-z0-9][\w.-]{0,127}$/);

/** `<prefix>/services/<service>/config`: how the load balancer routes to the service. */
export const serviceConfigRecord = z.object({
  location: z.string().regex(/^\/([\w.~-]+(\/[\w.~-]+)*)?$/, 'must be "/" or "/a/path"'),
  balance: z.enum(['roundrobin', 'leastconn', 'source']).default('roundrobin'),
  sticky: z.boolean().default(false),
}) satisfies z.ZodType<ServiceConfigRecord>;

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
}) satisfies z.ZodType<InstanceRecord>;

/** `<prefix>/balancer`: the registry revision the running HAProxy configuration reflects. */
export const balancerState = z.object({
  revision: z.string().regex(/^\d+$/, 'must be an etcd revision'),
}) satisfies z.ZodType<BalancerState>;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses JSON text (a registry value, an answer) against `schema`; never throws. */
export function parseJsonValue<T>(schema: z.ZodType<T>, text: string): z.ZodSafeParseResult<T> {
  return schema.safeParse(parseJson(text));
}

/** A zod error as one line: `field message; field message`. */
export function describeProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`)
    .join('; ');
}
