import { chownSync, writeFileSync } from 'node:fs';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { waitUntil } from '@microflack/common/registry';
import pg from 'pg';
import { SERVICES } from '../catalog.js';
import { databasePassword, localUrls, type LocalSettings } from '../settings.js';
import type { Component } from './component.js';
import { postgresAccount } from './accounts.js';

/** The database roles of the platform: one per service with a database, named after it. */
export const DATABASE_ROLES = SERVICES.flatMap((service) => service.database ?? []);

const SCRAM_ITERATIONS = 4096; // PostgreSQL's own default (scram_iterations)

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, in `pg_authid`'s
 * format): `ALTER ROLE … PASSWORD '<verifier>'` sets the password without the server, its log or
 * its statistics ever seeing it. Pure but for a random `salt` when none is given.
 */
export function scramVerifier(password: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/**
 * The cluster's `pg_hba.conf`: the services' roles must give their password (scram-sha-256) on
 * the socket and on loopback TCP; everyone else (`postgres`, for the admin commands and the tests)
 * is trusted on them, as initdb's `--auth=trust` did. With no roles, initdb's file. Pure.
 */
export function renderPgHba(roles: readonly string[]): string {
  const lines = ['# Written by admin/mfinfra (docs/operations.md, secrets and authentication).'];
  const rule = (method: string, who: string) => [
    `local   all  ${who}                 ${method}`,
    `host    all  ${who}  127.0.0.1/32   ${method}`,
    `host    all  ${who}  ::1/128        ${method}`,
  ];
  if (roles.length > 0) lines.push(...rule('scram-sha-256', roles.join(',')));
  lines.push(...rule('trust', 'all'));
  return `${lines.join('\n')}\n`;
}

/**
 * Gives `role`'s objects in the database `client` is connected to to `role`: a database that
 * existed before its role (a platform started before `.env` had the passwords) keeps working.
 * Sequences owned by a column follow their table.
 */
function transferOwnershipSql(role: string): string {
  const name = pg.escapeLiteral(role);
  return `DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND c.relowner <> ${name}::regrole
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                            AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
    LOOP EXECUTE format('ALTER TABLE %s OWNER TO %I', r.rel, ${name}); END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS routine FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> ${name}::regrole
    LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.routine, ${name}); END LOOP;
  END $$`;
}

/** `work` with a superuser client of database `database` on the local PostgreSQL. */
async function asSuperuser<T>(
  settings: LocalSettings,
  database: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const url = `postgres://postgres@127.0.0.1:${settings.MF_PG_PORT}/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `role` or sets its password, and creates its database, owned by it, closed to others. */
async function grantRole(admin: pg.Client, role: string, database: string, password: string) {
  const [who, db] = [pg.escapeIdentifier(role), pg.escapeIdentifier(database)];
  const verifier = pg.escapeLiteral(scramVerifier(password));
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
  await admin.query(`${verb} ROLE ${who} LOGIN PASSWORD ${verifier}`);
  const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${db} OWNER ${who}`);
  else await admin.query(`ALTER DATABASE ${db} OWNER TO ${who}`);
  await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
}

/**
 * Gives every service's database role its password from `.env` and its database
 * (`<databasePrefix><service>`), owned by it: `mfinfra up` for the platform's databases, a test
 * for its own. Idempotent.
 */
export async function grantLocalDatabaseAccess(
  settings: LocalSettings,
  databasePrefix: string,
): Promise<void> {
  for (const role of DATABASE_ROLES) {
    const database = `${databasePrefix}${role}`;
    const password = databasePassword(settings, role);
    await asSuperuser(settings, 'postgres', (admin) => grantRole(admin, role, database, password));
    await asSuperuser(settings, database, (client) => client.query(transferOwnershipSql(role)));
  }
}

/** Rewrites the cluster's `pg_hba.conf` so the roles need their password, and reloads it. */
async function requirePasswords(settings: LocalSettings): Promise<void> {
  await asSuperuser(settings, 'postgres', async (admin) => {
    const { rows } = await admin.query<{ hba_file: string }>('SHOW hba_file');
    const file = rows[0]?.hba_file;
    if (file === undefined) throw new Error('PostgreSQL did not say where its pg_hba.conf is');
    writeFileSync(file, renderPgHba(DATABASE_ROLES), { mode: 0o600 });
    const owner = postgresAccount();
    if (owner !== undefined) chownSync(file, owner.uid, owner.gid);
    await admin.query('SELECT pg_reload_conf()');
  });
}

/** Whether `url` lets a client in (a wrong or missing password does not). */
async function connects(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database roles' passwords, as a step of `mfinfra up` when `.env` has the
 * `*_DB_PASSWORD`s: it answers once each role gets into its database with its password and not
 * without; starting it grants the roles and rewrites `pg_hba.conf`.
 */
export function databaseAccess(settings: LocalSettings): Component {
  const urls = localUrls(settings);
  const answers = async () => {
    for (const role of DATABASE_ROLES) {
      const url = new URL(urls.databaseUrl(role));
      if (!(await connects(url.toString()))) return false;
      url.password = '';
      if (await connects(url.toString())) return false;
    }
    return true;
  };
  return {
    name: 'db-auth',
    address: `roles ${DATABASE_ROLES.join(', ')}`,
    answers,
    async start() {
      await grantLocalDatabaseAccess(settings, settings.MF_DATABASE_PREFIX);
      await requirePasswords(settings);
      await waitUntil(answers, { what: "PostgreSQL requiring the roles' passwords" });
    },
    stop() {},
  };
}
