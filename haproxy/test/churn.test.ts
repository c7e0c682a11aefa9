import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, connectEtcd, type RunningService } from '@microflack/common';
import {
  churnRegistrations,
  portOf,
  startRequestLoop,
  startStandIn,
  testConfig,
} from '@microflack/common/testing';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { routedTo } from './http.js';

const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '10' });
const etcd = connectEtcd(config);
let balancer: TestBalancer;
const stable: RunningService[] = [];

beforeAll(async () => {
  balancer = await startTestBalancer({
    etcdUrl: config.MF_ETCD_URL,
    prefix: config.MF_ETCD_PREFIX,
  });
  stable.push(await startStandIn(config, 'burst'), await startStandIn(config, 'burst'));
  for (const instance of stable) await routedTo(`${balancer.url}/api/burst`, portOf(instance));
});
afterAll(async () => {
  await Promise.all(stable.map((instance) => instance.stop()));
  await balancer.stop();
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

describe('registry churn under load', () => {
  it('when 100 registrations and deregistrations arrive back to back, then no request fails and HAProxy is not reloaded', async () => {
    const loop = startRequestLoop({
      url: `${balancer.url}/api/burst`,
      concurrency: 8,
      maxRequests: 100_000,
      maxMs: 60_000,
      postEvery: 4,
    });
    await loop.warm;
    const reloadsBefore = balancer.watcher.reloads;

    await churnRegistrations(config, 'burst', 50);
    const result = await loop.stop();

    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(200);
    expect(balancer.watcher.reloads - reloadsBefore).toBe(0);
  }, 90_000);
});
