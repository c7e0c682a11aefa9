/** A service of the platform as the admin tools know it. */
export interface ServiceEntry {
  name: string;
  /** The database it owns, if any (named after the service). */
  database?: string;
}

/** Every service, in the order `mfup` starts them (dependencies first). */
export const SERVICES: readonly ServiceEntry[] = [
  { name: 'users', database: 'users' },
  { name: 'tokens' },
  { name: 'messages', database: 'messages' },
  { name: 'socketio' },
  { name: 'ui' },
];

/** The catalog entry of `name`. @throws when there is no such service. */
export function serviceEntry(name: string): ServiceEntry {
  const entry = SERVICES.find((service) => service.name === name);
  if (!entry)
    throw new Error(`unknown service "${name}" (known: ${SERVICES.map((s) => s.name).join(', ')})`);
  return entry;
}
