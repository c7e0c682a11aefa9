import type { Etcd3 } from 'etcd3';
import { parseJsonValue } from './input.js';
import { balancerState } from './registry-records.js';

function reflects(value: string | null, revision: string): boolean {
  if (value === null) return true; // no balancer is watching: nobody to wait for
  const state = parseJsonValue(balancerState, value);
  return state.success && BigInt(state.data.revision) >= BigInt(revision);
}

/**
 * Resolves once the load balancer runs a configuration at least as new as `revision` (so an
 * instance deregistered at that revision no longer gets new requests), when no balancer is
 * running, or when `signal` aborts.
 */
export async function balancerCaughtUp(
  etcd: Etcd3,
  key: string,
  revision: string,
  signal: AbortSignal,
): Promise<void> {
  const watcher = await etcd.watch().key(key).create();
  try {
    if (reflects(await etcd.get(key).string(), revision)) return;
    await new Promise<void>((resolve) => {
      watcher.on('put', (kv) => {
        if (reflects(kv.value.toString('utf8'), revision)) resolve();
      });
      watcher.on('delete', () => resolve());
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await watcher.cancel();
  }
}
