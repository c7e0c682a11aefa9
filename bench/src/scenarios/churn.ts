import { baseEnv, type Etcd3 } from '@microflack/common';
import {
  churnRegistrations,
  startRequestLoop,
  testConfig,
  waitFor,
  type RequestLoopOptions,
  type RequestLoopResult,
} from '@microflack/common/testing';
import type { TestBalancer } from '@microflack/haproxy/testing';
import { answeringPort, spawnInstance } from '../probes.js';

/** What {@link churnUnderLoad} saw. */
export interface ChurnOutcome {
  result: RequestLoopResult;
  churnMs: number;
  reloads: number;
}

/**
 * `count` instances register one after another, each followed by the graceful stop of the
 * previous one (`2 × count` registry changes), while two steady instances serve a request loop.
 */
export async function churnUnderLoad(
  balancer: TestBalancer,
  etcd: Etcd3,
  prefix: string,
  count: number,
  load: Omit<RequestLoopOptions, 'url'>,
): Promise<ChurnOutcome> {
  const url = `${balancer.url}/api/busy`;
  const steady = [
    await spawnInstance(etcd, prefix, 'busy'),
    await spawnInstance(etcd, prefix, 'busy'),
  ];
  for (const instance of steady) {
    await waitFor(async () => (await answeringPort(url)) === instance.port, { timeoutMs: 10_000 });
  }
  await balancer.watcher.settled();
  const loop = startRequestLoop({ ...load, url });
  await loop.warm;
  const reloadsBefore = balancer.watcher.reloads;
  const started = performance.now();
  await churnRegistrations(testConfig(baseEnv, { MF_ETCD_PREFIX: prefix }), 'busy', count);
  const churnMs = performance.now() - started;
  const result = await loop.stop();
  for (const instance of steady) instance.child.kill('SIGTERM');
  return { result, churnMs, reloads: balancer.watcher.reloads - reloadsBefore };
}
