import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@microflack/common';
import { freshDatabase, silentLogger, type TestDatabase } from '@microflack/common/testing';
import { migrate } from '../src/db.js';

const migrations = fileURLToPath(new URL('./fixtures/migrations/', import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => database.drop());

describe('migrate', () => {
  it('when two runners race on one database, then each migration is applied exactly once', async () => {
    const pools = [
      new pg.Pool({ connectionString: database.url }),
      new pg.Pool({ connectionString: database.url }),
    ];

    const applied = await Promise.all(
      pools.map((pool) => migrate(pool, migrations, silentLogger())),
    );

    expect(applied.flat().sort()).toEqual(['001_create_notes.sql', '002_seed_note.sql']);
    const notes = await pools[0]?.query('SELECT body FROM notes');
    expect(notes?.rows).toEqual([{ body: 'seeded once' }]);
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it('when run again, then nothing is applied', async () => {
    const pool = new pg.Pool({ connectionString: database.url });

    expect(await migrate(pool, migrations, silentLogger())).toEqual([]);
    await pool.end();
  });
});

describe('openDatabase', () => {
  it('when the database does not exist, then it is created and migrated, even by racing instances', async () => {
    const url = new URL(database.url);
    url.pathname = `${url.pathname}_new`;
    const target = { url: url.toString(), drop: () => Promise.resolve() };

    const pools = await Promise.all(
      [1, 2].map(() => openDatabase(target.url, migrations, silentLogger())),
    );

    const count = await pools[0]?.query<{ n: string }>('SELECT count(*) AS n FROM notes');
    expect(count?.rows[0]?.n).toBe('1');
    await Promise.all(pools.map((pool) => pool.end()));
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`DROP DATABASE ${pg.escapeIdentifier(url.pathname.slice(1))} WITH (FORCE)`);
    await admin.end();
  });
});
