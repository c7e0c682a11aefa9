import pg from 'pg';
import { ensureDatabase } from '../db.js';
import { randomSuffix, TEST_PG_URL } from './config.js';

/** A database made for one test file, and how to get rid of it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test server. */
export async function freshDatabase(server = TEST_PG_URL): Promise<TestDatabase> {
  const name = `mftest_${randomSuffix()}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  return {
    url: url.toString(),
    async drop() {
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
