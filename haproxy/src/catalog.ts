/**
 * Which location each service may serve. Registry entries are written by whatever can reach etcd,
 * so the watcher routes a service only at the location its catalog assigns it: a program that
 * registers another service's location (to receive its credentials), or a path below it, gets no
 * traffic.
 */
export interface Catalog {
  /** The location of each service the catalog names. */
  locations: Readonly<Record<string, string>>;
  /**
   * Whether a service the catalog does not name is routed at `/api/<its name>` (a location no
   * named service can hold, since names have no `/`). Tests and benchmarks only.
   */
  admitOthers: boolean;
}

/**
 * The platform's five services and their locations, as each service's `<s>Route` registers them
 * (kept here because the watcher must not depend on the services' packages).
 */
export const PLATFORM_CATALOG: Catalog = {
  locations: {
    ui: '/',
    users: '/api/users',
    tokens: '/api/tokens',
    messages: '/api/messages',
    socketio: '/socket.io',
  },
  admitOthers: false,
};

/** The location `catalog` assigns `service`, or undefined when it may not be routed. Pure. */
export function assignedLocation(catalog: Catalog, service: string): string | undefined {
  if (Object.hasOwn(catalog.locations, service)) return catalog.locations[service];
  return catalog.admitOthers ? `/api/${service}` : undefined;
}

/** Why `catalog` refuses `service` at `location`, or undefined when it may serve it. Pure. */
export function catalogRefusal(
  catalog: Catalog,
  service: string,
  location: string,
): string | undefined {
  const assigned = assignedLocation(catalog, service);
  if (assigned === undefined) return `the catalog has no service ${service}`;
  if (assigned !== location) return `the catalog gives ${service} ${assigned}, not ${location}`;
  return undefined;
}
