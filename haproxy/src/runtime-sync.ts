import { leftoverServers, planRuntime, wantedServers } from './runtime-plan.js';
import { resolveAddress, type ServerRuntime } from './server-runtime.js';
import type { RegistrySnapshot } from './snapshot.js';

/** How many servers a runtime change touched, by kind (logged by the watcher). */
export interface RuntimeChange {
  added: number;
  ready: number;
  moved: number;
  drained: number;
}

/**
 * Applies the snapshot's servers through the runtime API: new instances added (taking traffic once
 * their first check passed), registered ones made ready or moved, deregistered ones drained.
 * Host names are resolved here: the runtime API takes addresses. Throws on any refused step.
 */
export async function applyServers(
  runtime: ServerRuntime,
  snapshot: RegistrySnapshot,
): Promise<RuntimeChange> {
  const addresses = new Map<string, string>();
  for (const address of new Set(
    snapshot.services.flatMap((s) => s.instances.map((i) => i.address)),
  ))
    addresses.set(address, await resolveAddress(address));
  const wanted = wantedServers(snapshot, (address) => addresses.get(address) ?? address);
  const plan = planRuntime(await runtime.servers(), wanted, backendsOf(snapshot));
  for (const target of plan.add) await runtime.add(target);
  for (const target of plan.readdress) await runtime.readdress(target);
  for (const target of plan.ready) await runtime.setState(target, 'ready');
  for (const target of plan.drain) await runtime.setState(target, 'drain');
  const { add, ready, readdress, drain } = plan;
  return { added: add.length, ready: ready.length, moved: readdress.length, drained: drain.length };
}

/**
 * Puts servers that left the registry into maintenance and deletes them. True when one still has
 * connections attached (a WebSocket being closed) and must be tried again later.
 */
export async function retireLeftovers(
  runtime: ServerRuntime,
  snapshot: RegistrySnapshot,
): Promise<boolean> {
  const wanted = wantedServers(snapshot, (address) => address);
  let waiting = false;
  for (const server of leftoverServers(await runtime.servers(), wanted, backendsOf(snapshot))) {
    if (server.admin !== 'MAINT') await runtime.setState(server, 'maint');
    if (!(await runtime.remove(server))) waiting = true;
  }
  return waiting;
}

/** The backends of the snapshot's services. Pure. */
function backendsOf(snapshot: RegistrySnapshot): Set<string> {
  return new Set(snapshot.services.map((service) => service.name));
}
