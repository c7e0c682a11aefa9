import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseEnv, loadConfig } from '@microflack/common';
import { z } from 'zod';

/** The repository root (admin/dist/ is two levels below it). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** The local platform's settings (SPEC §2 default ports), overridable in `.env`. */
export const localEnv = {
  MF_STATE_DIR: z.string().default(join(ROOT, '.mf')),
  MF_LB_PORT: port(8080),
  MF_STATS_PORT: port(8404),
  MF_ETCD_PORT: port(12379),
  MF_ETCD_PEER_PORT: port(12380),
  MF_PG_PORT: port(15432),
  MF_REDIS_PORT: port(16379),
  MF_ETCD_PREFIX: baseEnv.MF_ETCD_PREFIX,
};

/** Parsed local settings. */
export type LocalSettings = z.infer<z.ZodObject<typeof localEnv>>;

/**
 * Parses a `.env` file: `KEY=value` lines, `#` comments, optional surrounding quotes.
 * Pure, so it is table-tested.
 */
export function parseDotenv(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match?.[1] || line.startsWith('#')) continue;
    const value = (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
    entries[match[1]] = value;
  }
  return entries;
}

/** The `.env` file of the repository, or nothing when there is none. */
export function dotenv(): Record<string, string> {
  try {
    return parseDotenv(readFileSync(join(ROOT, '.env'), 'utf8'));
  } catch {
    return {};
  }
}

/** Local settings from `.env`, with the process environment taking precedence. */
export function localSettings(): LocalSettings {
  return loadConfig(localEnv, {}, { ...dotenv(), ...currentEnv() });
}

/** The URLs of the local infrastructure, as every local process is told them. */
export function localUrls(settings: LocalSettings) {
  return {
    MF_ETCD_URL: `http://127.0.0.1:${settings.MF_ETCD_PORT}`,
    MF_ETCD_PREFIX: settings.MF_ETCD_PREFIX,
    REDIS_URL: `redis://127.0.0.1:${settings.MF_REDIS_PORT}`,
    MF_LB_URL: `http://127.0.0.1:${settings.MF_LB_PORT}`,
    databaseUrl: (name: string) => `postgres://postgres@127.0.0.1:${settings.MF_PG_PORT}/${name}`,
  };
}

/** The process environment (read here, once, for the admin tools). */
export function currentEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
