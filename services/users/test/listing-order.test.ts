import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { uniqueNickname } from '@microflack/common/testing';
import { userList, useUsersWorld } from './helpers.js';

const { instance, pool } = useUsersWorld();

/** Inserts users straight into the table, each `updated_at` given to the microsecond. */
async function insert(rows: [nickname: string, updatedAt: string][]): Promise<void> {
  for (const [nickname, updatedAt] of rows) {
    await pool().query(
      `INSERT INTO users (nickname, password_hash, updated_at) VALUES ($1, 'not a hash', $2)`,
      [nickname, updatedAt],
    );
  }
}

async function listedSince(milliseconds: number): Promise<string[]> {
  const response = await request(instance().url).get(`/api/users?updated_since=${milliseconds}`);
  expect(response.status).toBe(200);
  return userList.parse(response.body).users.map((user) => user.nickname);
}

describe('GET /api/users order', () => {
  it('when two users were updated within one millisecond, then they are ordered by nickname', async () => {
    const first = uniqueNickname('a');
    const second = uniqueNickname('b');
    // `second` is older by 800 µs, a difference the API's milliseconds cannot show.
    await insert([
      [second, '2031-01-01T00:00:00.000100Z'],
      [first, '2031-01-01T00:00:00.000900Z'],
    ]);

    const listed = await listedSince(Date.parse('2031-01-01T00:00:00.000Z'));

    expect(listed).toEqual([first, second]);
  });

  it('when the database sorts text by a locale, then nicknames still come by code point', async () => {
    // What a database created with the en_US locale (Docker's default) does to the column.
    await pool().query('ALTER TABLE users ALTER COLUMN nickname TYPE text COLLATE "en-US-x-icu"');
    const upper = uniqueNickname('Zed');
    const lower = uniqueNickname('abe');
    const punctuated = uniqueNickname('.dot');
    await insert([
      [lower, '2032-01-01T00:00:00Z'],
      [upper, '2032-01-01T00:00:00Z'],
      [punctuated, '2032-01-01T00:00:00Z'],
    ]);

    const listed = await listedSince(Date.parse('2032-01-01T00:00:00Z'));

    expect(listed).toEqual([punctuated, upper, lower]);
  });
});
