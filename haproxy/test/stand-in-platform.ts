import { afterAll, beforeAll } from 'vitest';
import { baseEnv, connectEtcd, type RunningService } from '@microflack/common';
import { startStandIn, testConfig } from '@microflack/common/testing';
import {
  startTestBalancer,
  type TestBalancer,
  type TestBalancerOptions,
} from '@microflack/haproxy/testing';

/**
 * A private load balancer for the file's tests under a prefix of their own, and stand-in
 * instances registered behind it; all of it stopped and removed after the tests.
 */
export function useStandInPlatform(
  balancerOptions: Omit<TestBalancerOptions, 'etcdUrl' | 'prefix'> = {},
) {
  const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '5' });
  const etcd = connectEtcd(config);
  const running: RunningService[] = [];
  let started: TestBalancer | undefined;
  beforeAll(async () => {
    started = await startTestBalancer({
      ...balancerOptions,
      etcdUrl: config.MF_ETCD_URL,
      prefix: config.MF_ETCD_PREFIX,
    });
  });
  afterAll(async () => {
    await Promise.all(running.map((instance) => instance.stop()));
    await started?.stop();
    await etcd.delete().prefix(config.MF_ETCD_PREFIX);
    etcd.close();
  });
  return {
    config,
    etcd,
    /** The load balancer (started before the tests run). */
    balancer: (): TestBalancer => {
      if (!started) throw new Error('the load balancer starts in beforeAll');
      return started;
    },
    /** Starts and registers a stand-in of service `name` (at `location`, else its own). */
    standIn: async (name: string, location?: string): Promise<RunningService> => {
      const instance = await startStandIn(config, name, location === undefined ? {} : { location });
      running.push(instance);
      return instance;
    },
  };
}
