import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { databaseEnv, loadConfig } from '../config.js';

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

/**
 * A configuration for tests: the environment's infrastructure, a unique etcd prefix, silent
 * logs, `NODE_ENV=test`, this process's generated {@link TEST_JWT_SECRET_KEY}, abuse limits
 * raised a thousandfold, `overrides` on top.
 */
export function testConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  overrides: Record<string, string> = {},
): z.infer<z.ZodObject<Shape>> {
  return loadConfig(shape, {
    MF_ETCD_PREFIX: uniquePrefix(),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
    // Every test client is one address (loopback): limits are raised; their own tests lower them.
    MF_RATE_LIMIT_SCALE: '1000',
    ...overrides,
  });
}
