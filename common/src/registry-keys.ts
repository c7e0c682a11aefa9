/**
 * The part of an instance id (its 8 random hex digits) that starts the Engine.IO session ids the
 * instance hands out: the balancer routes a poll carrying `sid=<prefix>-…` to that instance even
 * when the client keeps no cookie (Node clients without `withCredentials`).
 */
export function sessionPrefix(instanceId: string): string {
  return instanceId.slice(instanceId.lastIndexOf('-') + 1);
}

/** Builds the registry keys under one prefix (docs/architecture.md, registry). */
export function registryKeys(prefix: string) {
  return {
    services: `${prefix}/services/`,
    serviceConfig: (service: string) => `${prefix}/services/${service}/config`,
    instances: (service: string) => `${prefix}/services/${service}/instances/`,
    instance: (service: string, id: string) => `${prefix}/services/${service}/instances/${id}`,
    revoked: `${prefix}/revoked/`,
    revokedToken: (jti: string) => `${prefix}/revoked/${jti}`,
    /** The registry revision the load balancer last applied (written by the watcher, on its lease). */
    balancer: `${prefix}/balancer`,
  };
}
