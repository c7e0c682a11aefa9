import type { Etcd3 } from 'etcd3';
import { backOff } from './backoff.js';
import { parseJsonValue } from './input.js';
import { balancerState } from './registry-records.js';
import { untilAborted } from './wait.js';

function reflects(value: string | null, revision: string): boolean {
  if (value === null) return true; // no balancer is watching: nobody to wait for
  const state = parseJsonValue(balancerState, value);
  return state.success && BigInt(state.data.revision) >= BigInt(revision);
}

/**
 * One watch of the balancer key: true once the balancer caught up (or is gone, or etcd lost
 * its data), false when the watch was cancelled (a compacted revision after a reconnect) or
 * `signal` aborted.
 */
async function watchOnce(
  etcd: Etcd3,
  key: string,
  revision: string,
  signal: AbortSignal,
): Promise<boolean> {
  const watcher = await etcd.watch().key(key).create();
  try {
    if (reflects(await etcd.get(key).string(), revision)) return true;
    return await new Promise<boolean>((resolve) => {
      watcher.on('put', (kv) => {
        if (reflects(kv.value.toString('utf8'), revision)) resolve(true);
      });
      watcher.on('delete', () => resolve(true));
      // etcd came back with fewer revisions than ours: it lost its data, and with it the
      // meaning of `revision`; nobody is left to confirm anything.
      watcher.on('connected', (response) => {
        if (BigInt(response.header.revision) < BigInt(revision)) resolve(true);
      });
      watcher.on('error', () => resolve(false));
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
  } finally {
    // Not awaited: a watch etcd already cancelled may never confirm its end.
    void watcher.cancel().catch(() => undefined);
  }
}

/**
 * Resolves once the load balancer runs a configuration at least as new as `revision` (so an
 * instance deregistered at that revision no longer gets new requests), when no balancer is
 * running, when etcd lost its data, or when `signal` aborts — at once if it already has, and
 * also while etcd does not answer. A cancelled watch is made anew.
 * @returns whether the wait ended before `signal` aborted.
 */
export async function balancerCaughtUp(
  etcd: Etcd3,
  key: string,
  revision: string,
  signal: AbortSignal,
): Promise<boolean> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    const watched = watchOnce(etcd, key, revision, signal).catch(() => false);
    if (await untilAborted(watched, signal)) return true;
    await backOff(attempt, { baseMs: 50, maxMs: 1000 }, signal).catch(() => undefined);
  }
  return false;
}
