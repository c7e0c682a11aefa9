import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';

export type { Pool } from 'pg';

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';
const INVALID_CATALOG = '3D000';

// Arbitrary constant shared by every migration runner: one key, one lock.
const MIGRATION_LOCK = 7_374_311;

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined;
}

/**
 * Creates the database named in `url` if it does not exist yet, connecting to the server's
 * `postgres` database to do it. Safe when several instances race to create it.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if (errorCode(error) !== INVALID_CATALOG) throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (error) {
    // Two instances raced: whichever lost sees one of these, and the database exists either way.
    if (errorCode(error) !== DUPLICATE_DATABASE && errorCode(error) !== UNIQUE_VIOLATION)
      throw error;
  } finally {
    await admin.end();
  }
}

/**
 * Applies every `*.sql` file in `dir` that has not been applied yet, in name order, in one
 * transaction that holds an advisory lock: instances starting together apply each file once.
 * @returns the names of the files this call applied.
 */
export async function migrate(pool: pg.Pool, dir: string, logger: Logger): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const seen = new Set(done.rows.map((row) => row.name));
    for (const file of files.filter((name) => !seen.has(name))) {
      await client.query(await readFile(join(dir, file), 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  return applied;
}

/**
 * Opens a service's database: creates it if needed, applies its migrations, returns the pool.
 * Pool errors on idle clients (PostgreSQL restarted) are logged instead of crashing the process;
 * the pool replaces them with new connections once the server answers again.
 */
export async function openDatabase(
  url: string,
  migrationsDir: string,
  logger: Logger,
): Promise<pg.Pool> {
  await ensureDatabase(url);
  // A server that does not answer fails a request after 2 s (a 503) instead of holding it.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 2000 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database client failed'));
  try {
    await migrate(pool, migrationsDir, logger);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}
