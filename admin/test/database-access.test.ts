import { readdirSync, readFileSync, mkdtempSync, realpathSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@microflack/common';
import { freePort } from '@microflack/common/testing';
import { LocalPlatform } from '@microflack/admin/testing';
import { components } from '../src/infra/components.js';
import { renderPgHba, scramVerifier } from '../src/infra/database-access.js';
import { localEnv, statePaths } from '../src/settings.js';

describe('pg_hba.conf', () => {
  it('when the roles have passwords, then they need them before anyone is trusted', () => {
    const lines = renderPgHba(['users', 'messages']).split('\n');

    expect(lines.slice(1, 4)).toEqual([
      'local   all  users,messages                 scram-sha-256',
      'host    all  users,messages  127.0.0.1/32   scram-sha-256',
      'host    all  users,messages  ::1/128        scram-sha-256',
    ]);
    expect(lines.slice(4, 7).every((line) => line.endsWith('trust'))).toBe(true);
  });

  it('when no role has a password, then loopback is trusted as initdb left it', () => {
    expect(renderPgHba([])).not.toMatch(/scram/);
  });

  it('when a password is given, then the verifier holds no trace of it', () => {
    const verifier = scramVerifier('a-password-of-24-chars!!', Buffer.alloc(16, 1));

    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:AQEBAQEBAQEBAQEBAQEBAQ==\$[\w+/]+=:[\w+/]+=$/);
    expect(verifier).not.toContain('password');
  });
});

/** The secrets `admin/mfup` generates into `.env` for the databases. */
const PASSWORDS = {
  USERS_DB_PASSWORD: 'users-db-secret-for-tests',
  MESSAGES_DB_PASSWORD: 'messages-db-secret-for-tests',
};

describe('database roles with passwords', () => {
  const state = mkdtempSync(join(tmpdir(), 'mf-db-auth-'));
  let port = 0;
  let platform: LocalPlatform | undefined;
  const settings = () =>
    loadConfig(localEnv, { MF_STATE_DIR: state, MF_PG_PORT: String(port), ...PASSWORDS }, {});
  const url = (role: string, database: string, password?: string) =>
    `postgres://${role}${password === undefined ? '' : `:${password}`}@127.0.0.1:${port}/${database}`;
  const superuser = async <T>(database: string, work: (client: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: url('postgres', database) });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const connect = async (connectionString: string) => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.end();
  };

  const component = (name: string) => components(settings()).find((c) => c.name === name);

  beforeAll(async () => {
    port = await freePort();
    await component('postgresql')?.start();
    // A platform started before `.env` had the passwords: messages' database and objects are
    // the superuser's.
    await superuser('postgres', (client) => client.query('CREATE DATABASE messages'));
    await superuser('messages', (client) =>
      client.query(`CREATE TABLE legacy (id serial PRIMARY KEY);
        CREATE FUNCTION legacy_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM legacy'`),
    );
    await component('db-auth')?.start();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await component('postgresql')?.stop();
    const pgDir = statePaths(settings()).pg;
    if (existsSync(pgDir)) rmSync(realpathSync(pgDir), { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }, 120_000);

  it("when a role connects without its password or with another role's, then PostgreSQL refuses it", async () => {
    await connect(url('users', 'users', PASSWORDS.USERS_DB_PASSWORD));
    await connect(url('messages', 'messages', PASSWORDS.MESSAGES_DB_PASSWORD));

    // Without a password the server asks for SCRAM, which the client cannot answer.
    await expect(connect(url('users', 'users'))).rejects.toThrow(/password/);
    await expect(connect(url('users', 'users', PASSWORDS.MESSAGES_DB_PASSWORD))).rejects.toThrow(
      /password authentication failed for user "users"/,
    );
    await expect(connect(url('messages', 'users', PASSWORDS.MESSAGES_DB_PASSWORD))).rejects.toThrow(
      /permission denied for database "users"/,
    );
    const log = readFileSync(
      join(realpathSync(statePaths(settings()).pg), 'postgresql.log'),
      'utf8',
    );
    expect(log).not.toContain('secret-for-tests');
  });

  it('when a database existed before its role, then its tables, sequences and functions pass to the role', async () => {
    const owners = await superuser('messages', (client) =>
      client.query<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class
           WHERE relname IN ('legacy', 'legacy_id_seq')
         UNION SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'legacy_count'
         UNION SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'messages'`,
      ),
    );

    expect(owners.rows).toEqual([{ owner: 'messages' }]);
  });

  it(
    'when the services run on it, then they migrate and serve as their roles, and no password is logged or shown',
    { timeout: 240_000 },
    async () => {
      platform = await LocalPlatform.start();
      const onPrivateCluster = { MF_PG_PORT: String(port), MF_DATABASE_PREFIX: '', ...PASSWORDS };
      for (const service of ['users', 'messages'])
        await platform.run('mfrun', [service], onPrivateCluster);

      const created = await fetch(`${platform.balancer.url}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nickname: 'alice', password: 'alice-password' }),
      });
      expect(created.status).toBe(201);
      await expect
        .poll(async () => (await platform?.ps('messages'))?.map((row) => row.balancer), {
          timeout: 30_000,
        })
        .toEqual(['UP']);
      const tables = await superuser('messages', (client) =>
        client.query<{ owner: string }>(
          "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'",
        ),
      );
      expect(tables.rows).toEqual([{ owner: 'messages' }]);

      const { stdout: ps } = await platform.run('mfps', [], onPrivateCluster);
      const logs = readdirSync(join(platform.state, 'logs')).map((file) =>
        readFileSync(join(platform?.state ?? '', 'logs', file), 'utf8'),
      );
      for (const text of [ps, ...logs]) expect(text).not.toContain('secret-for-tests');
    },
  );
});
