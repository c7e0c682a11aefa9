/**
 * Which location each service may serve. Registry entries are written by whatever can reach etcd,
 * so the watcher routes a service only at the location its catalog assigns it: a program that
 * registers another service's location (to receive its credentials), or a path below it, gets no
 * traffic.
 */
export interface Catalog {
  /** The location of each service the catalog names. */
  locations: Readonly<Record<string, string>>;
  /** More locations a service may also serve (its record's `extra_locations`); none by default. */
  extraLocations?: Readonly<Record<string, readonly string[]>>;
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
  extraLocations: { messages: ['/api/channels'] },
  admitOthers: false,
};

/** The location `catalog` assigns `service`, or undefined when it may not be routed. Pure. */
export function assignedLocation(catalog: Catalog, service: string): string | undefined {
  if (Object.hasOwn(catalog.locations, service)) return catalog.locations[service];
  return catalog.admitOthers ? `/api/${service}` : undefined;
}

/**
 * Why `catalog` refuses `service` at `location` and `extras` (its record's `extra_locations`), or
 * undefined when it may serve them all. Pure.
 */
export function catalogRefusal(
  catalog: Catalog,
  service: string,
  location: string,
  extras: readonly string[] = [],
): string | undefined {
  const assigned = assignedLocation(catalog, service);
  if (assigned === undefined) return `the catalog has no service ${service}`;
  if (assigned !== location) return `the catalog gives ${service} ${assigned}, not ${location}`;
  const allowed = catalog.extraLocations?.[service] ?? [];
  const refused = extras.find((extra) => !allowed.includes(extra));
  if (refused !== undefined) return `the catalog does not give ${service} ${refused}`;
  return undefined;
}
