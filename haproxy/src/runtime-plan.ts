import type { ServerState } from './server-state.js';
import type { RegistrySnapshot } from './snapshot.js';

/** One server of one backend, at the address HAProxy should send its traffic to. */
export interface ServerTarget {
  backend: string;
  server: string;
  /** `ip:port` (host names are resolved before planning: the runtime API takes addresses). */
  address: string;
}

/** What brings HAProxy's servers in step with the registry without a reload. */
export interface RuntimePlan {
  /** Registered, unknown to HAProxy: added, taking traffic once their first check passed. */
  add: ServerTarget[];
  /** Registered again (a lost lease) while drained or in maintenance: ready again. */
  ready: ServerTarget[];
  /** Known at another address: moved. */
  readdress: ServerTarget[];
  /** Deregistered and still ready: drained (no new sessions) before they are retired. */
  drain: ServerTarget[];
}

/** The servers the registry wants, by `backend/server`, at resolved addresses. */
export type WantedServers = Map<string, ServerTarget>;

/** `backend/server` of every instance in `snapshot`, with `address(instance address)`. Pure. */
export function wantedServers(
  snapshot: RegistrySnapshot,
  address: (registered: string) => string,
): WantedServers {
  const wanted: WantedServers = new Map();
  for (const service of snapshot.services) {
    for (const instance of service.instances) {
      const target = {
        backend: service.name,
        server: instance.id,
        address: address(instance.address),
      };
      wanted.set(`${service.name}/${instance.id}`, target);
    }
  }
  return wanted;
}

/**
 * The runtime changes from what HAProxy runs (`show servers state` of the current worker) to what
 * is wanted. Only backends of wanted services are looked at (a service that comes or goes changes
 * the configuration's shape and is a reload). Pure.
 */
export function planRuntime(
  running: readonly ServerState[],
  wanted: WantedServers,
  backends: ReadonlySet<string>,
): RuntimePlan {
  const plan: RuntimePlan = { add: [], ready: [], readdress: [], drain: [] };
  const known = new Map(running.map((state) => [`${state.backend}/${state.server}`, state]));
  for (const [name, target] of wanted) {
    const state = known.get(name);
    if (state === undefined) plan.add.push(target);
    else {
      if (state.admin !== 'READY') plan.ready.push(target);
      if (state.address !== target.address) plan.readdress.push(target);
    }
  }
  for (const state of running) {
    const name = `${state.backend}/${state.server}`;
    if (backends.has(state.backend) && !wanted.has(name) && state.admin === 'READY') {
      plan.drain.push({ backend: state.backend, server: state.server, address: state.address });
    }
  }
  return plan;
}

/** Servers of `backends` HAProxy still has that the registry no longer wants. Pure. */
export function leftoverServers(
  running: readonly ServerState[],
  wanted: WantedServers,
  backends: ReadonlySet<string>,
): ServerState[] {
  return running.filter(
    (state) => backends.has(state.backend) && !wanted.has(`${state.backend}/${state.server}`),
  );
}
