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
  const connect = async (connectionString: string) => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.end();
  };

  beforeAll(async () => {
    port = await freePort();
    for (const component of components(settings()))
      if (component.name === 'postgresql' || component.name === 'db-auth') await component.start();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    const postgres = components(settings()).find((component) => component.name === 'postgresql');
    await postgres?.stop();
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
      const owners = new pg.Client({ connectionString: url('postgres', 'messages') });
      await owners.connect();
      const tables = await owners.query<{ owner: string }>(
        "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'",
      );
      await owners.end();
      expect(tables.rows).toEqual([{ owner: 'messages' }]);

      const { stdout: ps } = await platform.run('mfps', [], onPrivateCluster);
      const logs = readdirSync(join(platform.state, 'logs')).map((file) =>
        readFileSync(join(platform?.state ?? '', 'logs', file), 'utf8'),
      );
      for (const text of [ps, ...logs]) expect(text).not.toContain('secret-for-tests');
    },
  );
});
