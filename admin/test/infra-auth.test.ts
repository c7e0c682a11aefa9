import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  connectEtcd,
  connectRedis,
  currentEnv,
  loadConfig,
  registryKeys,
  withPassword,
} from '@microflack/common';
import { freePort, silentLogger, startPrivateRedis } from '@microflack/common/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { components } from '../src/infra/components.js';
import { localEnv, statePaths } from '../src/settings.js';

const run = promisify(execFile);
const mfinfra = fileURLToPath(new URL('../mfinfra', import.meta.url));

/** The secrets `admin/mfup` generates into `.env`, one per variable. */
const SECRETS = Object.fromEntries(
  [
    'ETCD_ROOT',
    'UI_ETCD',
    'USERS_ETCD',
    'TOKENS_ETCD',
    'MESSAGES_ETCD',
    'SOCKETIO_ETCD',
    'BALANCER_ETCD',
    'REDIS',
    'USERS_DB',
    'MESSAGES_DB',
  ].map((name) => [`${name}_PASSWORD`, `${name.toLowerCase()}-secret-for-tests`]),
);

describe('redis with a password', () => {
  it('when Redis runs without one and mfinfra has one, then starting it turns the password on', async () => {
    const redis = await startPrivateRedis();
    const state = mkdtempSync(join(tmpdir(), 'mf-redis-auth-'));
    const overrides = {
      MF_STATE_DIR: state,
      MF_REDIS_PORT: new URL(redis.url).port,
      REDIS_PASSWORD: SECRETS['REDIS_PASSWORD'] ?? '',
    };
    const component = components(loadConfig(localEnv, overrides, {})).find(
      (c) => c.name === 'redis',
    );
    try {
      expect(await component?.answers()).toBe(false);
      await component?.start();

      expect(await component?.answers()).toBe(true);
      const authenticated = await connectRedis(
        withPassword(redis.url, overrides.REDIS_PASSWORD),
        silentLogger(),
      );
      expect(await authenticated.ping()).toBe('PONG');
      authenticated.disconnect();
      await expect(connectRedis(redis.url, silentLogger())).rejects.toThrow();
    } finally {
      await redis.kill();
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe('mfinfra up with the secrets of .env', () => {
  const state = mkdtempSync(join(tmpdir(), 'mf-infra-auth-'));
  let env: Record<string, string | undefined> = {};
  afterAll(async () => {
    await run(mfinfra, ['down'], { env }).catch(() => undefined);
    const pg = statePaths(loadConfig(localEnv, {}, env)).pg;
    if (existsSync(pg)) rmSync(realpathSync(pg), { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });

  it(
    'when the infrastructure starts, then etcd, Redis and the database roles refuse anonymous clients and the watcher works as its own user',
    { timeout: 180_000 },
    async () => {
      const etcdPort = await freePort();
      env = {
        ...currentEnv(),
        ...SECRETS,
        MF_STATE_DIR: state,
        MF_ETCD_PORT: String(etcdPort),
        MF_ETCD_PEER_PORT: String(await freePort()),
        MF_PG_PORT: String(await freePort()),
        MF_REDIS_PORT: String(await freePort()),
        MF_BALANCER_PORT: String(await freePort()),
        MF_STATS_PORT: String(await freePort()),
        MF_NO_INSTALL: '1',
      };
      const etcdUrl = `http://127.0.0.1:${etcdPort}`;
      const prefix = '/microflack';

      await run(mfinfra, ['up'], { env });
      const status = await run(mfinfra, ['status'], { env });
      const anonymous = connectEtcd([etcdUrl]);
      const root = connectEtcd({
        MF_ETCD_URL: [etcdUrl],
        MF_ETCD_USER: 'root',
        MF_ETCD_PASSWORD: SECRETS['ETCD_ROOT_PASSWORD'],
      });
      try {
        expect(status.stdout).toMatch(/^etcd-auth\s+running/m);
        expect(status.stdout).toMatch(/^db-auth\s+running/m);
        expect(status.stdout).toMatch(/^balancer\s+running/m);
        await expect(anonymous.get(registryKeys(prefix).balancer).string()).rejects.toThrow(
          /user name is empty/,
        );
        expect(await root.get(registryKeys(prefix).balancer).string()).toMatch(/revision/);
        await expect(
          connectRedis(`redis://127.0.0.1:${env['MF_REDIS_PORT']}`, silentLogger()),
        ).rejects.toThrow();
      } finally {
        anonymous.close();
        root.close();
      }
      // Started as root, HAProxy's workers drop to Debian's haproxy user.
      if (process.getuid?.() === 0)
        expect(readFileSync(join(state, 'haproxy', 'haproxy.cfg'), 'utf8')).toMatch(
          /^\s+user 'haproxy'$/m,
        );
      // The watcher got its own credentials, and no other secret.
      const { pid } = JSON.parse(
        readFileSync(join(state, 'run', 'balancer.state.json'), 'utf8'),
      ) as {
        pid: number;
      };
      const watcherEnv = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(watcherEnv).toContain('MF_ETCD_USER=balancer');
      expect(watcherEnv.filter((line) => line.includes('secret-for-tests'))).toEqual([
        `MF_ETCD_PASSWORD=${SECRETS['BALANCER_ETCD_PASSWORD']}`,
      ]);
    },
  );
});
