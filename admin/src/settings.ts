import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { baseEnv, currentEnv, loadConfig, renamed } from '@microflack/common/registry';
import { z } from 'zod';
import { etcdEndpoints } from './infra/etcd-members.js';

/** The repository root (admin/dist/ is two levels below it). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** The local platform's settings (default ports: docs/operations.md), overridable in `.env`. */
export const localEnv = {
  MF_STATE_DIR: z.string().default(join(ROOT, '.mf')),
  MF_BALANCER_PORT: renamed('MF_LB_PORT', port(8080)),
  MF_STATS_PORT: port(8404),
  MF_ETCD_PORT: port(12379),
  MF_ETCD_PEER_PORT: port(12380),
  /** The registry's members: 1, or a cluster of 3 or 5 on consecutive port pairs (docs/operations.md). */
  MF_ETCD_MEMBERS: z.coerce
    .number()
    .int()
    .refine((n) => [1, 3, 5].includes(n), '1, 3 or 5')
    .default(1),
  MF_PG_PORT: port(15432),
  MF_REDIS_PORT: port(16379),
  MF_ETCD_PREFIX: baseEnv.MF_ETCD_PREFIX,
  /** Put before each service's database name (`users`, `messages`): tests get their own databases. */
  MF_DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and _ only')
    .default(''),
  /**
   * What runs the instances the commands drive: local processes, the compose project's containers
   * or the swarm stack; `auto` finds a running compose project or stack, else local.
   */
  MF_RUNTIME: z.enum(['auto', 'local', 'docker', 'swarm']).default('auto'),
  /** 1: `mfinfra up` never installs Debian packages, it says which are missing (set by `pnpm test`). */
  MF_NO_INSTALL: z.enum(['0', '1']).default('0'),
};

/** Parsed local settings. */
export type LocalSettings = z.infer<z.ZodObject<typeof localEnv>>;

/**
 * The variables of a `.env` file, read with Node's own parser (`util.parseEnv`); nothing when
 * there is no such file.
 */
export function readDotenv(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const entries = Object.entries(parseEnv(text));
  return Object.fromEntries(
    entries.filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The `.env` file of the repository, or nothing when there is none. */
export function dotenv(): Record<string, string> {
  return readDotenv(join(ROOT, '.env'));
}

/** Local settings from `.env`, with the process environment taking precedence. */
export function localSettings(): LocalSettings {
  return loadConfig(localEnv, {}, { ...dotenv(), ...currentEnv() });
}

/** The URLs of the local infrastructure, as every local process is told them. */
export function localUrls(settings: LocalSettings) {
  return {
    /** Every member's client URL, comma-separated. */
    MF_ETCD_URL: etcdEndpoints(settings).join(','),
    MF_ETCD_PREFIX: settings.MF_ETCD_PREFIX,
    REDIS_URL: `redis://127.0.0.1:${settings.MF_REDIS_PORT}`,
    MF_BALANCER_URL: `http://127.0.0.1:${settings.MF_BALANCER_PORT}`,
    databaseUrl: (name: string) =>
      `postgres://postgres@127.0.0.1:${settings.MF_PG_PORT}/${settings.MF_DATABASE_PREFIX}${name}`,
  };
}

/** Where the local platform keeps its state. */
export function statePaths(settings: LocalSettings) {
  const state = settings.MF_STATE_DIR;
  return {
    state,
    logs: join(state, 'logs'),
    run: join(state, 'run'),
    etcd: join(state, 'etcd'),
    redis: join(state, 'redis'),
    pg: join(state, 'pg'),
    releases: join(state, 'releases'),
    instances: join(state, 'run', 'instances'),
  };
}
