import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, registryKeys, type Etcd3 } from '@microflack/common';
import { waitFor } from '@microflack/common/testing';
import { z } from 'zod';
import { UsersWorld } from './helpers.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let world: UsersWorld;
let etcd: Etcd3;

beforeAll(async () => {
  world = await UsersWorld.create();
  etcd = connectEtcd(world.config.MF_ETCD_URL);
});
afterAll(async () => {
  etcd.close();
  await world.close();
});

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('node dist/main.js', () => {
  it('when started with the environment alone, then it registers, serves, and on SIGTERM deregisters and exits 0', async () => {
    const { config } = world;
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: config.DATABASE_URL,
        MF_ETCD_PREFIX: config.MF_ETCD_PREFIX,
        BCRYPT_COST: '4',
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    const exited = exitCode(child);
    const instances = registryKeys(config.MF_ETCD_PREFIX).instances('users');

    const registered = await waitFor(
      async () => Object.values(await etcd.getAll().prefix(instances).json())[0],
      { timeoutMs: 15_000, what: 'the users process to register' },
    );
    const { address } = z.object({ address: z.string() }).parse(registered);
    const health = await fetch(`http://${address}/healthz`);
    const route = await etcd.get(registryKeys(config.MF_ETCD_PREFIX).serviceConfig('users')).json();
    child.kill('SIGTERM');
    const code = await exited;

    expect(health.status).toBe(200);
    expect(route).toEqual({ location: '/api/users', balance: 'roundrobin', sticky: false });
    expect(code).toBe(0);
    expect(await etcd.getAll().prefix(instances).keys()).toEqual([]);
  });

  it('when the environment is malformed, then it exits 1 naming the variable', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, BCRYPT_COST: 'lots', MF_ETCD_PREFIX: world.config.MF_ETCD_PREFIX },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const code = await exitCode(child);

    expect(code).toBe(1);
    expect(stderr).toContain('BCRYPT_COST');
  });
});
