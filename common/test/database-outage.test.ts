import { fileURLToPath } from 'node:url';
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceApp, errorBody, openDatabase, type Pool } from '@microflack/common';
import { freshDatabase, silentLogger, type TestDatabase } from '@microflack/common/testing';

const migrations = fileURLToPath(new URL('./fixtures/migrations/', import.meta.url));
const logger = silentLogger();
let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await freshDatabase();
  pool = await openDatabase(database.url, migrations, logger);
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

/** Ends every server connection to the test database, as a PostgreSQL restart would. */
async function terminateBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const result = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

function appOnDatabase(): express.Express {
  return createServiceApp(logger, (app) => {
    app.get('/api/notes', async (_req, res) => {
      res.json((await pool.query('SELECT body FROM notes')).rows);
    });
    app.get('/api/slow', async (_req, res) => {
      res.json((await pool.query('SELECT pg_sleep(10) AS slept')).rows);
    });
  });
}

describe('a database pool while PostgreSQL drops its connections', () => {
  it('when idle connections are terminated, then the pool error is handled and the next query reconnects', async () => {
    const app = appOnDatabase();
    await Promise.all([1, 2, 3].map(() => request(app).get('/api/notes')));

    expect(await terminateBackends()).toBeGreaterThan(0);
    // The pool drops the dead clients (an 'error' nothing handled would fail the test run).
    const again = await request(app).get('/api/notes');

    expect(again.status).toBe(200);
    expect(again.body).toEqual([{ body: 'seeded once' }]);
  });

  it('when a query in flight loses its connection, then the request is a 503 database_unavailable and the next one succeeds', async () => {
    const app = appOnDatabase();

    const slow = request(app)
      .get('/api/slow')
      .then((response) => response);
    await expect
      .poll(
        async () =>
          (await pool.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"))
            .rowCount,
      )
      .toBeGreaterThan(0);
    await terminateBackends();
    const failed = await slow;
    const after = await request(app).get('/api/notes');

    expect(failed.status).toBe(503);
    expect(errorBody.parse(failed.body).code).toBe('database_unavailable');
    expect(after.status).toBe(200);
  });

  it('when PostgreSQL does not answer at all, then a request is a 503 database_unavailable', async () => {
    const nowhere = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const app = createServiceApp(logger, (routes) =>
      routes.get('/api/none', async (_req, res) => {
        res.json((await nowhere.query('SELECT 1')).rows);
      }),
    );

    const response = await request(app).get('/api/none');

    expect(response.status).toBe(503);
    expect(errorBody.parse(response.body).code).toBe('database_unavailable');
    await nowhere.end();
  });
});
