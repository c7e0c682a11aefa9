/** Builds the registry keys under one prefix (docs/architecture.md, registry). */
export function registryKeys(prefix: string) {
  return {
    services: `${prefix}/services/`,
    serviceConfig: (service: string) => `${prefix}/services/${service}/config`,
    instances: (service: string) => `${prefix}/services/${service}/instances/`,
    instance: (service: string, id: string) => `${prefix}/services/${service}/instances/${id}`,
    revoked: `${prefix}/revoked/`,
    revokedToken: (jti: string) => `${prefix}/revoked/${jti}`,
    /** Sign-outs everywhere: `<prefix>/revoked-users/<user id>` holds when (Unix ms). */
    revokedUsers: `${prefix}/revoked-users/`,
    revokedUser: (userId: number) => `${prefix}/revoked-users/${userId}`,
    /** The registry revision the load balancer last applied (written by the watcher, on its lease). */
    balancer: `${prefix}/balancer`,
  };
}
