import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, registryKeys, type Etcd3 } from '@microflack/common';
import { spawnInstance } from '@microflack/common/testing';
import { UsersWorld } from './helpers.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let world: UsersWorld;
let etcd: Etcd3;

beforeAll(async () => {
  world = await UsersWorld.create();
  etcd = connectEtcd(world.config);
});
afterAll(async () => {
  etcd.close();
  await world.close();
});

describe('node dist/main.js', () => {
  it('when started with the environment alone, then it registers, serves, and on SIGTERM deregisters and exits 0', async () => {
    const { config } = world;
    const env = { DATABASE_URL: config.DATABASE_URL, BCRYPT_COST: '4', LOG_LEVEL: 'silent' };
    const instances = registryKeys(config.MF_ETCD_PREFIX).instances('users');

    const users = await spawnInstance({
      main: MAIN,
      service: 'users',
      config,
      env: { ...process.env, ...env },
    });
    const health = await fetch(`http://${users.address}/healthz`);
    const route = await etcd.get(registryKeys(config.MF_ETCD_PREFIX).serviceConfig('users')).json();
    users.child.kill('SIGTERM');
    const code = await users.exited;

    expect(health.status).toBe(200);
    expect(route).toEqual({ location: '/api/users', balance: 'roundrobin', sticky: false });
    expect(code).toBe(0);
    expect(await etcd.getAll().prefix(instances).keys()).toEqual([]);
  });

  it('when the environment is malformed, then it exits 1 naming the variable', async () => {
    const started = spawnInstance({
      main: MAIN,
      service: 'users',
      config: world.config,
      env: { ...process.env, BCRYPT_COST: 'lots' },
    });

    await expect(started).rejects.toThrow(/exited with 1 before registering: .*BCRYPT_COST/);
  });

  it.each(['development', 'production'])(
    'when JWT_SECRET_KEY is missing (NODE_ENV=%s), then it exits 1 with one line naming it',
    async (mode) => {
      const started = spawnInstance({
        main: MAIN,
        service: 'users',
        config: world.config,
        env: { ...process.env, NODE_ENV: mode, JWT_SECRET_KEY: '' },
      });

      await expect(started).rejects.toThrow(
        /exited with 1 before registering: invalid environment: JWT_SECRET_KEY: is required[^\n]*$/,
      );
    },
  );
});
