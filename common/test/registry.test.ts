import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  baseEnv,
  connectEtcd,
  createServiceApp,
  startService,
  type RunningService,
} from '@microflack/common';
import { silentLogger, startPrivateEtcd, testConfig, waitFor } from '@microflack/common/testing';

const fixture = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));
const config = testConfig(baseEnv, { MF_LEASE_TTL: '2' });
const etcd = connectEtcd(config.MF_ETCD_URL);
const instancesKey = `${config.MF_ETCD_PREFIX}/services/fixture/instances/`;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

/** Starts the fixture service as a real process and resolves once its key is in etcd. */
async function startFixture(): Promise<{ child: ChildProcess; key: string }> {
  const watcher = await etcd.watch().prefix(instancesKey).create();
  const put = once(watcher, 'put') as Promise<[{ key: Buffer }]>;
  const child = spawn(process.execPath, [fixture], {
    env: {
      PATH: process.env['PATH'],
      MF_ETCD_PREFIX: config.MF_ETCD_PREFIX,
      MF_LEASE_TTL: '2',
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  children.push(child);
  const [kv] = await put;
  await watcher.cancel();
  return { child, key: kv.key.toString() };
}

/** Resolves with the time at which `key` is deleted. */
async function deletion(key: string): Promise<() => Promise<number>> {
  const watcher = await etcd.watch().key(key).create();
  const deleted = once(watcher, 'delete').then(() => Date.now());
  return async () => {
    const at = await deleted;
    await watcher.cancel();
    return at;
  };
}

describe('registration', () => {
  it('when an instance starts, then its instance record and the service config are in etcd', async () => {
    const { key, child } = await startFixture();

    const record = JSON.parse((await etcd.get(key).string()) ?? '{}') as Record<string, unknown>;
    const route = JSON.parse(
      (await etcd.get(`${config.MF_ETCD_PREFIX}/services/fixture/config`).string()) ?? '{}',
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

  it('when the instance is killed with SIGKILL, then its key is gone within TTL + 1 s', async () => {
    const { child, key } = await startFixture();
    const deleted = await deletion(key);

    const killedAt = Date.now();
    child.kill('SIGKILL');

    expect((await deleted()) - killedAt).toBeLessThanOrEqual((config.MF_LEASE_TTL + 1) * 1000);
  });

  it('when the instance gets SIGTERM, then its key is gone within 100 ms and it exits 0', async () => {
    const { child, key } = await startFixture();
    const deleted = await deletion(key);
    const exited = once(child, 'exit') as Promise<[number | null]>;

    const signalledAt = Date.now();
    child.kill('SIGTERM');

    expect((await deleted()) - signalledAt).toBeLessThan(100);
    expect((await exited)[0]).toBe(0);
  });
});

describe('registration across an etcd restart', () => {
  let service: RunningService | undefined;
  afterEach(async () => service?.stop());

  it('when etcd restarts with its data lost, then the instance registers again and keeps serving', async () => {
    const privateEtcd = await startPrivateEtcd();
    const local = testConfig(baseEnv, {
      MF_ETCD_URL: privateEtcd.url,
      MF_LEASE_TTL: '1',
      MF_DRAIN_TIMEOUT: '1',
    });
    const probe = connectEtcd([privateEtcd.url]);
    try {
      service = await startService({
        name: 'fixture',
        version: '0.0.0',
        route: { location: '/api/fixture', balance: 'roundrobin', sticky: false },
        config: local,
        logger: silentLogger(),
        build: ({ logger }) => ({ app: createServiceApp(logger, () => undefined) }),
      });
      const { registration, url } = service;
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
      await service?.stop();
      service = undefined;
      await privateEtcd.dispose();
    }
  });
});
