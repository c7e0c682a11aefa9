import { baseEnv, type Etcd3 } from '@microflack/common';
import { churnRegistrations, testConfig, waitFor } from '@microflack/common/testing';
import {
  startRequestLoop,
  type RequestLoopOptions,
  type RequestLoopResult,
} from '../request-loop.js';
import type { TestBalancer } from '../testing.js';
import { answeringPort, spawnInstance } from './probes.js';

/** What {@link churnUnderLoad} saw. */
export interface ChurnOutcome {
  result: RequestLoopResult;
  churnMs: number;
  reloads: number;
}

/**
 * 50 instances register one after another, each followed by the graceful stop of the previous
 * one (100 registry changes), while two steady instances serve a request loop.
 */
export async function churnUnderLoad(
  lb: TestBalancer,
  etcd: Etcd3,
  prefix: string,
  load: Omit<RequestLoopOptions, 'url'>,
): Promise<ChurnOutcome> {
  const url = `${lb.url}/api/busy`;
  const steady = [
    await spawnInstance(etcd, prefix, 'busy'),
    await spawnInstance(etcd, prefix, 'busy'),
  ];
  for (const instance of steady) {
    await waitFor(async () => (await answeringPort(url)) === instance.port, { timeoutMs: 10_000 });
  }
  await lb.watcher.settled();
  const loop = startRequestLoop({ ...load, url });
  await loop.warm;
  const reloadsBefore = lb.watcher.reloads;
  const started = performance.now();
  await churnRegistrations(testConfig(baseEnv, { MF_ETCD_PREFIX: prefix }), 'busy', 50);
  const churnMs = performance.now() - started;
  const result = await loop.stop();
  for (const instance of steady) instance.child.kill('SIGTERM');
  return { result, churnMs, reloads: lb.watcher.reloads - reloadsBefore };
}
