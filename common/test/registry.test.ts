import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  baseEnv,
  connectEtcd,
  createServiceApp,
  registryKeys,
  startService,
  type RunningService,
} from '@microflack/common';
import {
  silentLogger,
  spawnInstance,
  startPrivateEtcd,
  testConfig,
  waitFor,
  type SpawnedInstance,
} from '@microflack/common/testing';

const fixture = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));
const config = testConfig(baseEnv);
const etcd = connectEtcd(config);
const keys = registryKeys(config.MF_ETCD_PREFIX);
const instances: SpawnedInstance[] = [];

afterEach(() => {
  for (const { child } of instances.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

/** Starts the fixture service as a real process (on a lease of `leaseTtl` s) once registered. */
async function startFixture(leaseTtl: number): Promise<SpawnedInstance & { key: string }> {
  const instance = await spawnInstance({
    main: fixture,
    service: 'fixture',
    config,
    env: { PATH: process.env['PATH'], MF_LEASE_TTL: String(leaseTtl), LOG_LEVEL: 'warn' },
  });
  instances.push(instance);
  return { ...instance, key: keys.instance('fixture', instance.id) };
}

/** Resolves once `key` is no longer in etcd, or rejects after `timeoutMs`. */
function gone(key: string, timeoutMs: number, what: string): Promise<true> {
  return waitFor(async () => (await etcd.get(key).string()) === null, { timeoutMs, what });
}

describe('registration', () => {
  it('when an instance starts, then its instance record and the service config are in etcd', async () => {
    const { key, child } = await startFixture(2);

    const record = JSON.parse((await etcd.get(key).string()) ?? '{}') as Record<string, unknown>;
    const route = JSON.parse(
      (await etcd.get(keys.serviceConfig('fixture')).string()) ?? '{}',
    ) as unknown;

    expect(record).toMatchObject({
      service: 'fixture',
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown,
    });
    expect(record['id']).toMatch(/^fixture-[\w.-]+-[0-9a-f]{8}$/);
    expect(key.endsWith(String(record['id']))).toBe(true);
    expect(route).toEqual({ location: '/api/fixture', balance: 'roundrobin', sticky: false });
    child.kill('SIGKILL');
  });

  it('when the instance is killed with SIGKILL, then its key goes with its lease', async () => {
    const ttl = 2;
    const { child, key } = await startFixture(ttl);

    child.kill('SIGKILL');

    await gone(key, (ttl + 1) * 1000, 'the lease to expire');
  });

  it('when the instance gets SIGTERM, then it revokes its lease at once and exits 0', async () => {
    // A lease too long to expire during the test: only a revocation can remove the key.
    const { child, key, exited } = await startFixture(60);

    child.kill('SIGTERM');

    await gone(key, 10_000, 'the revocation');
    expect(await exited).toBe(0);
  });
});

describe('registration across an etcd restart', () => {
  let instance: RunningService | undefined;
  afterEach(async () => instance?.stop());

  it('when etcd restarts with its data lost, then the instance registers again and keeps serving', async () => {
    const privateEtcd = await startPrivateEtcd();
    const local = testConfig(baseEnv, {
      MF_ETCD_URL: privateEtcd.url,
      MF_LEASE_TTL: '1',
      MF_DRAIN_TIMEOUT: '1',
    });
    const probe = connectEtcd([privateEtcd.url]);
    try {
      instance = await startService({
        name: 'fixture',
        version: '0.0.0',
        route: { location: '/api/fixture', balance: 'roundrobin', sticky: false },
        config: local,
        logger: silentLogger(),
        build: ({ logger }) => ({ app: createServiceApp(logger, () => undefined) }),
      });
      const { registration, url } = instance;
      const reRegistered = once(registration, 'registered');

      await privateEtcd.kill();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await privateEtcd.start({ wipe: true });
      await reRegistered;

      await waitFor(async () => (await probe.get(registration.key).string()) !== null, {
        what: 'the key to be back',
      });
    } finally {
      probe.close();
      await instance?.stop();
      instance = undefined;
      await privateEtcd.dispose();
    }
  });
});
