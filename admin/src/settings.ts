import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  baseEnv,
  currentEnv,
  loadConfig,
  readDotenv,
  renamed,
  withPassword,
} from '@microflack/common/registry';
import { z } from 'zod';
import { etcdEndpoints } from './infra/etcd-members.js';

/** The repository root (admin/dist/ is two levels below it). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { readDotenv };

const password = z
  .string()
  .min(16, 'must be at least 16 characters (admin/mfup generates them into .env)')
  .optional();

/** The etcd users of the platform: one per service, and the watcher's (docs/operations.md, secrets). */
export const ETCD_USERS = ['ui', 'users', 'tokens', 'messages', 'socketio', 'balancer'] as const;
export type EtcdUser = (typeof ETCD_USERS)[number];

/** The `.env` variable that holds each etcd user's password. */
const ETCD_PASSWORDS = {
  root: 'ETCD_ROOT_PASSWORD',
  ui: 'UI_ETCD_PASSWORD',
  users: 'USERS_ETCD_PASSWORD',
  tokens: 'TOKENS_ETCD_PASSWORD',
  messages: 'MESSAGES_ETCD_PASSWORD',
  socketio: 'SOCKETIO_ETCD_PASSWORD',
  balancer: 'BALANCER_ETCD_PASSWORD',
} as const;

/**
 * The `.env` variable that holds the password of each database role: one role per service with a
 * database, named after it (compose.yaml uses the same roles and variables).
 */
const DATABASE_PASSWORDS = {
  users: 'USERS_DB_PASSWORD',
  messages: 'MESSAGES_DB_PASSWORD',
} as const;

/** A `.env` variable that holds a password of the platform. */
type PasswordVariable =
  | (typeof ETCD_PASSWORDS)[keyof typeof ETCD_PASSWORDS]
  | (typeof DATABASE_PASSWORDS)[keyof typeof DATABASE_PASSWORDS];

/**
 * The password of `name` in `variables` (which says each one's `.env` variable).
 * @throws when `name` has none (`what` says what it is not), or naming the variable when unset.
 */
function passwordOf(
  settings: LocalSettings,
  variables: Readonly<Record<string, PasswordVariable>>,
  name: string,
  what: string,
): string {
  if (!Object.hasOwn(variables, name)) throw new Error(`"${name}" is no ${what} of the platform`);
  const variable = variables[name];
  const value = variable === undefined ? undefined : settings[variable];
  if (value === undefined)
    throw new Error(`${variable ?? name} is not set (admin/mfup generates it into .env)`);
  return value;
}

/** Who the instances run as when started by root, unless `MF_RUN_AS` says (docs/operations.md). */
export const DEFAULT_RUN_AS = 'microflack';

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
  /**
   * etcd's root password: set, the local registry runs with authentication and every process
   * connects as its own user, whose password is `<USER>_ETCD_PASSWORD` (root for the admin tools).
   */
  ETCD_ROOT_PASSWORD: password,
  UI_ETCD_PASSWORD: password,
  USERS_ETCD_PASSWORD: password,
  TOKENS_ETCD_PASSWORD: password,
  MESSAGES_ETCD_PASSWORD: password,
  SOCKETIO_ETCD_PASSWORD: password,
  BALANCER_ETCD_PASSWORD: password,
  /** Redis's password (`requirepass`); unset, Redis runs without one. */
  REDIS_PASSWORD: password,
  /**
   * The password of each service's database role: set, PostgreSQL requires it of that role
   * (scram-sha-256) and the service's `DATABASE_URL` carries it.
   */
  USERS_DB_PASSWORD: password,
  MESSAGES_DB_PASSWORD: password,
  /**
   * `user:group` (or `user`) the instances run as when the admin commands run as root
   * (default `microflack`, created when missing); `root` keeps them root.
   */
  MF_RUN_AS: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}(:[a-z_][a-z0-9_-]{0,31})?$/, 'must be user or user:group')
    .default(DEFAULT_RUN_AS),
  /** 1: `mfinfra up` never installs Debian packages, it says which are missing (set by `pnpm test`). */
  MF_NO_INSTALL: z.enum(['0', '1']).default('0'),
};

/** Parsed local settings. */
export type LocalSettings = z.infer<z.ZodObject<typeof localEnv>>;

/** The `.env` file of the repository, or nothing when there is none. */
export function dotenv(): Record<string, string | undefined> {
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
    REDIS_URL: withPassword(`redis://127.0.0.1:${settings.MF_REDIS_PORT}`, settings.REDIS_PASSWORD),
    MF_BALANCER_URL: `http://127.0.0.1:${settings.MF_BALANCER_PORT}`,
    /** The URL of service `name`'s database: as its own role, with its password, when set. */
    databaseUrl: (name: string) => {
      const url = new URL(`postgres://127.0.0.1:${settings.MF_PG_PORT}`);
      url.pathname = `/${settings.MF_DATABASE_PREFIX}${name}`;
      url.username = databaseAuthOn(settings) ? name : 'postgres';
      if (databaseAuthOn(settings)) url.password = databasePassword(settings, name);
      return url.toString();
    },
  };
}

/** Whether the services' database roles need a password (a `*_DB_PASSWORD` is set). */
export function databaseAuthOn(settings: LocalSettings): boolean {
  return Object.values(DATABASE_PASSWORDS).some((variable) => settings[variable] !== undefined);
}

/**
 * The password of a service's database role.
 * @throws naming the variable when it is unset.
 */
export function databasePassword(settings: LocalSettings, role: string): string {
  return passwordOf(settings, DATABASE_PASSWORDS, role, 'database role');
}

/** Whether the local etcd runs with authentication (`ETCD_ROOT_PASSWORD` is set). */
export function etcdAuthOn(settings: LocalSettings): boolean {
  return settings.ETCD_ROOT_PASSWORD !== undefined;
}

/**
 * The password of an etcd user of the local platform.
 * @throws naming the variable when authentication is on and it is unset.
 */
export function etcdPassword(settings: LocalSettings, user: string): string {
  return passwordOf(settings, ETCD_PASSWORDS, user, 'etcd user');
}

/**
 * What `user` connects to the local etcd as (root for the admin tools): nothing when the
 * platform runs without authentication.
 */
export function etcdLogin(
  settings: LocalSettings,
  user: string,
): { MF_ETCD_USER?: string; MF_ETCD_PASSWORD?: string } {
  if (!etcdAuthOn(settings)) return {};
  return { MF_ETCD_USER: user, MF_ETCD_PASSWORD: etcdPassword(settings, user) };
}

/**
 * `env` without the platform's own secrets (etcd's passwords, Redis's, the databases'), for a
 * child process: a service gets only its own credentials, through {@link etcdLogin} and the URLs.
 */
export function withoutPlatformSecrets(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const secrets = new Set<string>([
    ...Object.values(ETCD_PASSWORDS),
    ...Object.values(DATABASE_PASSWORDS),
    'REDIS_PASSWORD',
    'POSTGRES_PASSWORD',
  ]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !secrets.has(name)));
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
