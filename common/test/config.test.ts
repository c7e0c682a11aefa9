import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  baseEnv,
  ConfigError,
  databaseEnv,
  loadConfig,
  renamed,
  testOnly,
} from '@microflack/common';
import { TEST_JWT_SECRET_KEY } from '@microflack/common/testing';

const fixture = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));
// The secret no process may start without.
const secret = { JWT_SECRET_KEY: TEST_JWT_SECRET_KEY };
// The development key earlier releases shipped in their source, public ever since.
const FORMER_DEVELOPMENT_KEY = 'microflack-development-secret-do-not-use';

describe('loadConfig', () => {
  it('when nothing is set, then every base variable has its documented default', () => {
    const config = loadConfig(baseEnv, {}, secret);

    expect(config.MF_ETCD_URL).toEqual(['http://127.0.0.1:12379']);
    expect(config.MF_ETCD_PREFIX).toBe('/microflack');
    expect(config.MF_LEASE_TTL).toBe(5);
    expect(config.PORT).toBe(0);
    expect(config.TOKEN_TTL).toBe(3600);
  });

  it('when MF_ETCD_URL lists several endpoints, then each becomes one host', () => {
    const config = loadConfig(
      baseEnv,
      {},
      { ...secret, MF_ETCD_URL: 'http://a:2379, http://b:2379' },
    );

    expect(config.MF_ETCD_URL).toEqual(['http://a:2379', 'http://b:2379']);
  });

  it.each([
    ['MF_LEASE_TTL', 'soon'],
    ['MF_LEASE_TTL', '-3'],
    ['PORT', '70000'],
    ['MF_ETCD_URL', 'not a url'],
    ['MF_ETCD_PREFIX', 'microflack/'],
    ['REDIS_URL', 'http://localhost'],
    ['JWT_SECRET_KEY', 'short'],
  ])('when %s is %j, then the error names it', (name, value) => {
    expect(() => loadConfig(baseEnv, {}, { ...secret, [name]: value })).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringContaining(name) as unknown,
      }),
    );
  });

  it('when a required variable is missing, then the error names it', () => {
    expect(() => loadConfig({ ...baseEnv, ...databaseEnv }, {}, {})).toThrow(/DATABASE_URL/);
  });

  it.each([undefined, 'development', 'test', 'production'])(
    'when JWT_SECRET_KEY is unset and NODE_ENV is %s, then it refuses in one line naming it',
    (mode) => {
      const load = () => loadConfig(baseEnv, {}, mode ? { NODE_ENV: mode } : {});

      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/^invalid environment: JWT_SECRET_KEY: is required: a random secret/);
      expect(load).not.toThrow(/\n/);
    },
  );

  it('when JWT_SECRET_KEY is the development key earlier releases published, then it refuses', () => {
    expect(() => loadConfig(baseEnv, {}, { JWT_SECRET_KEY: FORMER_DEVELOPMENT_KEY })).toThrow(
      /JWT_SECRET_KEY: is a key that was published/,
    );
  });

  it('when NODE_ENV=production and DATABASE_URL is left at a default, then it refuses', () => {
    const shape = {
      ...baseEnv,
      DATABASE_URL: databaseEnv.DATABASE_URL.default('postgres://localhost/db'),
    };

    expect(() =>
      loadConfig(shape, {}, { NODE_ENV: 'production', JWT_SECRET_KEY: 'x'.repeat(32) }),
    ).toThrow(/DATABASE_URL must be set explicitly/);
  });

  it('when NODE_ENV=production and the secret is set, then it loads', () => {
    const key = 'a-real-production-secret-value-of-32+';

    const config = loadConfig(baseEnv, {}, { NODE_ENV: 'production', JWT_SECRET_KEY: key });

    expect(config.JWT_SECRET_KEY).toBe(key);
  });

  it('when a test-only flag is on outside tests, then it refuses naming it; in tests it loads', () => {
    const shape = {
      NODE_ENV: baseEnv.NODE_ENV,
      MF_TEST_FLAG: testOnly(
        z
          .enum(['0', '1'])
          .default('0')
          .transform((value) => value === '1'),
      ),
    };

    for (const mode of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'production' }]) {
      expect(() => loadConfig(shape, {}, { ...mode, MF_TEST_FLAG: '1' })).toThrow(
        /MF_TEST_FLAG is for tests only/,
      );
      expect(loadConfig(shape, {}, mode).MF_TEST_FLAG).toBe(false);
    }
    expect(loadConfig(shape, {}, { NODE_ENV: 'test', MF_TEST_FLAG: '1' }).MF_TEST_FLAG).toBe(true);
  });

  it('when only the former name of a renamed variable is set, then it is read under the new one', () => {
    const config = loadConfig(baseEnv, {}, { ...secret, MF_LB_URL: 'http://127.0.0.1:9999' });

    expect(config.MF_BALANCER_URL).toBe('http://127.0.0.1:9999');
  });

  it('when both names of a renamed variable are set, then the new one wins', () => {
    const config = loadConfig(
      baseEnv,
      { MF_BALANCER_URL: 'http://127.0.0.1:1111' },
      { ...secret, MF_LB_URL: 'http://127.0.0.1:2222' },
    );

    expect(config.MF_BALANCER_URL).toBe('http://127.0.0.1:1111');
  });

  it('when a former name is used, then a deprecation warning names both, once', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const shape = { MF_NEW_NAME: renamed('MF_OLD_NAME', z.string().optional()) };

    loadConfig(shape, {}, { MF_OLD_NAME: 'a' });
    loadConfig(shape, {}, { MF_OLD_NAME: 'b' });

    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'MF_OLD_NAME is deprecated; set MF_NEW_NAME instead.',
      expect.objectContaining({ type: 'DeprecationWarning' }),
    );
    warn.mockRestore();
  });

  it('when a service process starts without JWT_SECRET_KEY, then it exits 1 with one line naming it', async () => {
    const run = promisify(execFile)(process.execPath, [fixture], {
      env: { PATH: process.env['PATH'], NODE_ENV: 'development' },
    });

    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^invalid environment: JWT_SECRET_KEY: [^\n]+\n$/) as unknown,
    });
  });

  it('when a service process gets a malformed variable, then it exits 1 naming it', async () => {
    const run = promisify(execFile)(process.execPath, [fixture], {
      env: { PATH: process.env['PATH'], ...secret, MF_LEASE_TTL: 'five' },
    });

    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('MF_LEASE_TTL') as unknown,
    });
  });
});
