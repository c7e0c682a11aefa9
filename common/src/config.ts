import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';

// SHA-256 of keys that were ever public (the development key earlier releases shipped in their
// source): a token signed with one must never verify, so no process may be given one.
const PUBLIC_KEY_DIGESTS = new Set([
  '11e2ed1bf4e9575631990f528be39b883383660f2c184884459e475cdcf554b1',
]);

const isPublicKey = (key: string) =>
  PUBLIC_KEY_DIGESTS.has(createHash('sha256').update(key, 'utf8').digest('hex'));

/**
 * A secret every process needs and nothing defaults: missing, short or once-public, the process
 * refuses to start, whatever `NODE_ENV` says. `admin/mfup` generates one into `.env`.
 */
const secret = (minLength: number) =>
  z
    .string({
      error: `is required: a random secret of at least ${minLength} characters (admin/mfup writes one to .env)`,
    })
    .min(minLength, `must be at least ${minLength} characters`)
    .refine((value) => !isPublicKey(value), 'is a key that was published; generate a new one');

/** Thrown when the environment does not satisfy a schema; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

type Env = Record<string, string | undefined>;

// The former name of each renamed variable's schema, set by `renamed`.
const formerNames = new WeakMap<object, string>();
const warnedAbout = new Set<string>();

/**
 * Marks a variable as renamed: the schema goes under its new name in a shape, and the former
 * name keeps working for one release. {@link loadConfig} reads the former name when the new one
 * is unset and warns once per process (a `DeprecationWarning` on stderr) whenever it is set.
 *
 * @example `MF_BALANCER_URL: renamed('MF_LB_URL', z.url().default('http://127.0.0.1:8080'))`
 */
export function renamed<S extends z.ZodType>(formerName: string, schema: S): S {
  formerNames.set(schema, formerName);
  return schema;
}

function warnRenamed(formerName: string, name: string): void {
  if (warnedAbout.has(formerName)) return;
  warnedAbout.add(formerName);
  process.emitWarning(`${formerName} is deprecated; set ${name} instead.`, {
    type: 'DeprecationWarning',
    code: 'MF_RENAMED_ENV',
  });
}

/** `present` with each renamed variable's value taken from its former name when it is unset. */
function withFormerNames(shape: z.ZodRawShape, present: Env): Env {
  const resolved = { ...present };
  for (const [name, schema] of Object.entries(shape)) {
    const formerName = formerNames.get(schema);
    if (formerName === undefined || present[formerName] === undefined) continue;
    warnRenamed(formerName, name);
    resolved[name] ??= present[formerName];
  }
  return resolved;
}

const testOnlyFlags = new WeakSet<object>();

/**
 * Marks a boolean flag that only tests may turn on: {@link loadConfig} refuses it set to true
 * unless `NODE_ENV=test`, so a switch that lowers a guard cannot reach a real deployment.
 *
 * @example `PREVIEW_ALLOW_PRIVATE: testOnly(z.enum(['0', '1']).default('0').transform((v) => v === '1'))`
 */
export function testOnly<S extends z.ZodType<boolean>>(schema: S): S {
  testOnlyFlags.add(schema);
  return schema;
}

/** The variables every MicroFlack process reads (docs/operations.md, configuration). */
export const baseEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MF_ETCD_URL: z
    .string()
    .default('http://127.0.0.1:12379')
    .transform((value) => value.split(',').map((url) => url.trim()))
    .pipe(z.array(z.url()).min(1)),
  /**
   * This process's etcd user (docs/operations.md, secrets): each service and the watcher has
   * its own, whose role may write only that process's keys.
   */
  MF_ETCD_USER: z.string().min(1).optional(),
  /** The password of `MF_ETCD_USER`; unset, the client connects without authentication. */
  MF_ETCD_PASSWORD: z.string().min(1).optional(),
  MF_ETCD_PREFIX: z
    .string()
    .regex(/^\/[\w./-]*[^/]$/, 'must start with "/" and not end with "/"')
    .default('/microflack'),
  MF_LEASE_TTL: seconds(5).pipe(z.number().int().min(1)),
  MF_DRAIN_TIMEOUT: seconds(10),
  /** The load balancer other services are called through. */
  MF_BALANCER_URL: renamed('MF_LB_URL', z.url().default('http://127.0.0.1:8080')),
  MF_HOST: z.string().min(1).default('127.0.0.1'),
  MF_ADVERTISE_HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MF_VERSION: z.string().min(1).optional(),
  /** Set by the admin tools, which need to know the id before the instance registers. */
  MF_INSTANCE_ID: z
    .string()
    .regex(/^[a-z]+-[\w.-]+-[0-9a-f]{8}$/, 'must look like <service>-<version>-<8 hex>')
    .optional(),
  /** Redis, with its password in the URL when it requires one (`redis://:<password>@host:port`). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:16379'),
  /** The HS256 key every service shares; no default in any mode. */
  JWT_SECRET_KEY: secret(32),
  TOKEN_TTL: seconds(3600).pipe(z.number().int()),
  /** Multiplies every abuse limit's allowance (tests, acting as one busy address, raise it). */
  MF_RATE_LIMIT_SCALE: z.coerce.number().positive().default(1),
};

/** The variables of a service that owns a PostgreSQL database. */
export const databaseEnv = {
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
};

/** The parsed base configuration every process has. */
export type BaseConfig = z.infer<z.ZodObject<typeof baseEnv>>;

/**
 * Parses `env` (the process environment by default) with `overrides` on top against `shape`, once.
 * Empty strings count as unset so `.env` files can leave a value blank; a {@link renamed}
 * variable is also read under its former name.
 * Throws {@link ConfigError} naming each bad variable: a secret that is missing or was once
 * public in any mode, a secret left at a default in production, a {@link testOnly} flag on
 * outside tests.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  overrides: Env = {},
  env: Env = process.env,
): z.infer<z.ZodObject<Shape>> {
  const given = Object.fromEntries(
    Object.entries({ ...env, ...overrides }).filter(
      ([, value]) => value !== undefined && value !== '',
    ),
  );
  const present = withFormerNames(shape, given);
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  const config = result.data as Record<string, unknown>;
  const refused = [...defaultedSecrets(config, present), ...testOnlyOutsideTests(shape, config)];
  if (refused.length > 0) throw new ConfigError(`invalid environment: ${refused.join('; ')}`);
  return result.data;
}

/** In production, secrets left at a default (a `DATABASE_URL` without a password, …). */
function defaultedSecrets(config: Record<string, unknown>, present: Env): string[] {
  if (config['NODE_ENV'] !== 'production') return [];
  return Object.keys(config)
    .filter((name) => isSecretName(name) && !present[name])
    .map((name) => `${name} must be set explicitly when NODE_ENV=production`);
}

/** {@link testOnly} variables turned on in a process that is not a test. */
function testOnlyOutsideTests(shape: z.ZodRawShape, config: Record<string, unknown>): string[] {
  if (config['NODE_ENV'] === 'test') return [];
  return Object.entries(shape)
    .filter(([name, schema]) => testOnlyFlags.has(schema) && config[name] === true)
    .map(([name]) => `${name} is for tests only (NODE_ENV=test)`);
}

/** Variables that hold a secret: keys, passwords, credentials, and URLs that carry a password. */
function isSecretName(name: string): boolean {
  return /SECRET|PASSWORD|_AUTH$|^DATABASE_URL$/.test(name);
}

/**
 * {@link loadConfig} for a process entry point: on a bad environment it prints the one-line
 * reason to stderr and exits 1, so a misconfigured instance never starts half-way.
 */
export function configOrExit<Shape extends z.ZodRawShape>(
  shape: Shape,
): z.infer<z.ZodObject<Shape>> {
  try {
    return loadConfig(shape);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/**
 * The variables of a `.env` file, read with Node's own parser (`util.parseEnv`); nothing when
 * there is no such file.
 */
export function readDotenv(file: string): Env {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  return parseEnv(text);
}

/**
 * `url` with `password` as the password of its userinfo (`redis://:<password>@host:port`), or
 * `url` unchanged when there is no password. Pure.
 */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/**
 * A copy of the process environment, for handing on to a child process with additions or for
 * reading it under another schema (the admin tools' `.env` layering).
 */
export function currentEnv(): Env {
  return { ...process.env };
}
