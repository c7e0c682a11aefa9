import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import {
  baseEnv,
  currentEnv,
  databaseEnv,
  loadConfig,
  readDotenv,
  withPassword,
} from '../config.js';
import type { EtcdAccess } from '../etcd.js';
import { REPO_ROOT } from './infrastructure.js';

/** A short random hex string for unique names. */
export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** A fresh etcd prefix, so a test never sees (or disturbs) a running platform's registry. */
export function uniquePrefix(): string {
  return `/mftest-${randomSuffix()}`;
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The PostgreSQL server tests create their databases on (`MF_TEST_PG_URL`, default: the local platform's). */
export const TEST_PG_URL = loadConfig({
  MF_TEST_PG_URL: databaseEnv.DATABASE_URL.default('postgres://postgres@127.0.0.1:15432/postgres'),
}).MF_TEST_PG_URL;

/**
 * The JWT key of this test process, generated when it starts: no key is written in the source,
 * and services started in-process or by {@link spawnInstance} get this one.
 */
export const TEST_JWT_SECRET_KEY = randomBytes(32).toString('base64url');

const secretOf = z.string().min(1).optional();

/**
 * The shared infrastructure's secrets, when `admin/mfup` turned authentication on: from the
 * environment, else the repository's `.env` (where mfup writes them).
 */
const infraSecrets = loadConfig(
  {
    ETCD_ROOT_PASSWORD: secretOf,
    REDIS_PASSWORD: secretOf,
    MF_ETCD_URL: baseEnv.MF_ETCD_URL,
    REDIS_URL: baseEnv.REDIS_URL,
  },
  {},
  { ...readDotenv(`${REPO_ROOT}.env`), ...currentEnv() },
);

/**
 * What a test connects to the shared etcd as: root (tests write every kind of key, under their
 * own prefix), or nobody when etcd runs without authentication.
 */
const sharedEtcdCredentials: { MF_ETCD_USER?: string; MF_ETCD_PASSWORD?: string } =
  infraSecrets.ETCD_ROOT_PASSWORD === undefined
    ? {}
    : { MF_ETCD_USER: 'root', MF_ETCD_PASSWORD: infraSecrets.ETCD_ROOT_PASSWORD };

/**
 * How a test connects to the etcd at `urls`: as root when it is the shared infrastructure's and
 * that has authentication, anonymously otherwise (a private etcd a test started).
 */
export function testEtcdAccess(urls: readonly string[]): EtcdAccess {
  const shared = urls.join(',') === infraSecrets.MF_ETCD_URL.join(',');
  return { MF_ETCD_URL: urls, ...(shared ? sharedEtcdCredentials : {}) };
}

/** The shared Redis's URL for tests, with its password when it requires one. */
const TEST_REDIS_URL = withPassword(infraSecrets.REDIS_URL, infraSecrets.REDIS_PASSWORD);

/**
 * A configuration for tests: the environment's infrastructure (as root when it has
 * authentication, unless `overrides` name another etcd), a unique etcd prefix, silent logs, `NODE_ENV=test`, this process's generated {@link TEST_JWT_SECRET_KEY}, abuse limits
 * raised a thousandfold, `overrides` on top.
 */
export function testConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  overrides: Record<string, string> = {},
): z.infer<z.ZodObject<Shape>> {
  return loadConfig(shape, {
    ...(overrides['MF_ETCD_URL'] === undefined ? sharedEtcdCredentials : {}),
    REDIS_URL: TEST_REDIS_URL,
    MF_ETCD_PREFIX: uniquePrefix(),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
    // Every test client is one address (loopback): limits are raised; their own tests lower them.
    MF_RATE_LIMIT_SCALE: '1000',
    ...overrides,
  });
}
