import type { RegistrySnapshot, ServiceRoute } from './snapshot.js';
import { WakeTimer } from './wake-timer.js';

/**
 * What etcd losing its data (a wiped or restored member) must not do to the load balancer. Every
 * instance disappears from the registry until it finds its lease gone and registers again, within
 * a lease TTL: routing that registry would answer 503 meanwhile, and the reload for the vanished
 * services would close every WebSocket at `hard-stop-after`. So for `holdMs` after the registry's
 * history went back, the services and instances routed before that have not come back yet stay
 * routed (their health checks still take a dead one out). `onEnd` runs when a hold ends, so the
 * registry is routed as it is again.
 */
export class RegistryHold {
  private last: RegistrySnapshot | undefined;
  private until = 0;
  private readonly end: WakeTimer;

  constructor(
    readonly holdMs: number,
    onEnd: () => void,
  ) {
    this.end = new WakeTimer(onEnd);
  }

  /** The registry's history went back: hold what was routed last, from now on. */
  begin(): void {
    if (!this.last) return;
    this.until = performance.now() + this.holdMs;
    this.end.restart(this.holdMs);
  }

  /** Forgets a pending end (the watcher stops). */
  cancel(): void {
    this.end.cancel();
  }

  /** The registry to route now: `fresh`, plus what is held while the hold lasts. */
  route(fresh: RegistrySnapshot): RegistrySnapshot {
    const held = this.last && performance.now() < this.until;
    const routed = held && this.last ? withHeld(this.last, fresh) : fresh;
    this.last = routed;
    return routed;
  }
}

/** `fresh`, with the services and instances of `last` that it lacks added back. Pure. */
export function withHeld(last: RegistrySnapshot, fresh: RegistrySnapshot): RegistrySnapshot {
  const services = new Map<string, ServiceRoute>(last.services.map((s) => [s.name, s]));
  for (const service of fresh.services) {
    const old = services.get(service.name)?.instances ?? [];
    const ids = new Set(service.instances.map((i) => i.id));
    const instances = [...service.instances, ...old.filter((i) => !ids.has(i.id))];
    services.set(service.name, {
      ...service,
      instances: instances.sort((a, b) => a.id.localeCompare(b.id)),
    });
  }
  return {
    ...fresh,
    services: [...services.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}
