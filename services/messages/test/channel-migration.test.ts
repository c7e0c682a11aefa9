import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Pool } from '@microflack/common';
import { silentLogger, TestPlatform } from '@microflack/common/testing';
import { MIGRATIONS } from './helpers.js';

// The migrations of the release before channels.
const BEFORE_CHANNELS = ['001_messages.sql', '002_change_order.sql', '003_idempotency_keys.sql'];

const platform = new TestPlatform();
let url: string;
let previous: string;
beforeAll(async () => {
  url = await platform.database();
  previous = await mkdtemp(join(tmpdir(), 'messages-migrations-'));
  platform.onClose(() => rm(previous, { recursive: true, force: true }));
  for (const name of BEFORE_CHANNELS) await copyFile(join(MIGRATIONS, name), join(previous, name));
});
afterAll(async () => {
  await platform.close();
});

async function open(dir: string): Promise<Pool> {
  const pool = await openDatabase(url, dir, silentLogger());
  platform.onClose(() => pool.end());
  return pool;
}

describe('the channels migration', () => {
  it('when it runs on the release before, then existing messages are in #general and old instances keep working', async () => {
    expect((await readdir(MIGRATIONS)).filter((name) => name.endsWith('.sql')).slice(0, 3)).toEqual(
      BEFORE_CHANNELS,
    );
    const old = await open(previous);
    await old.query(
      `INSERT INTO messages (user_id, source, html) VALUES (1, 'before', '<p>before</p>'),
         (2, 'also before', '<p>also before</p>')`,
    );

    const current = await open(MIGRATIONS);

    const general = await current.query(
      `SELECT id, name, kind, everyone FROM channels WHERE everyone`,
    );
    expect(general.rows).toEqual([{ id: 1, name: 'general', kind: 'public', everyone: true }]);
    // What an instance of the release before writes and reads still works, into #general.
    await old.query(
      `INSERT INTO messages (user_id, source, html, idempotency_key)
         VALUES (3, 'from an old instance', '<p>x</p>', 'k1')
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
    );
    await old.query(
      `UPDATE messages SET source = 'edited', revision = revision + 1 WHERE user_id = 2`,
    );
    const rows = await current.query(
      'SELECT user_id, channel_id, mentions FROM messages ORDER BY id',
    );
    expect(rows.rows).toEqual([
      { user_id: 1, channel_id: 1, mentions: [] },
      { user_id: 2, channel_id: 1, mentions: [] },
      { user_id: 3, channel_id: 1, mentions: [] },
    ]);
    const next = await current.query(
      `INSERT INTO channels (name, kind) VALUES ('next', 'public') RETURNING id`,
    );
    expect(next.rows).toEqual([{ id: 2 }]);
  });
});
