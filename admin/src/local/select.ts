import { SERVICES } from '../catalog.js';

/** The local instance ids a target names: a service, one instance id, or all. Pure. */
export function selectInstances(ids: readonly string[], target: string): string[] {
  if (target === 'all') return [...ids];
  if (SERVICES.some((service) => service.name === target))
    return ids.filter((id) => id.startsWith(`${target}-`));
  return ids.filter((id) => id === target);
}
