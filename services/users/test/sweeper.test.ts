import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '@microflack/common';
import { basic, uniqueNickname } from '@microflack/common/testing';
import { listenToBroadcasts, userShape, UsersWorld } from './helpers.js';

let world: UsersWorld;
let pool: Pool;

beforeAll(async () => {
  world = await UsersWorld.create({ USERS_OFFLINE_AFTER: '60' });
  pool = await world.pool();
});
afterAll(async () => world.close());

/** Inserts `count` users who are online but were last seen `secondsAgo` seconds ago. */
async function idleUsers(count: number, secondsAgo: number): Promise<number[]> {
  const result = await pool.query<{ id: number }>(
    `INSERT INTO users (nickname, password_hash, online, last_seen_at)
     SELECT $1 || n, 'not-a-hash', true, now() - make_interval(secs => $3)
       FROM generate_series(1, $2) AS n
     RETURNING id`,
    [uniqueNickname('idle'), count, secondsAgo],
  );
  return result.rows.map((row) => row.id);
}

async function onlineOf(ids: number[]): Promise<boolean[]> {
  const result = await pool.query<{ online: boolean }>(
    'SELECT online FROM users WHERE id = ANY($1) ORDER BY id',
    [ids],
  );
  return result.rows.map((row) => row.online);
}

describe('the offline sweeper', () => {
  it('when two sweepers race, then each idle user is marked offline and broadcast exactly once', async () => {
    const broadcasts = await listenToBroadcasts(world);
    const [a, b] = [await world.domain(), await world.domain()];
    const idle = await idleUsers(20, 61);
    const recent = await idleUsers(3, 10);

    const counts = await Promise.all([
      a.users.sweep(),
      b.users.sweep(),
      a.users.sweep(),
      b.users.sweep(),
    ]);
    await broadcasts.flushed(a.broadcaster);
    await broadcasts.flushed(b.broadcaster);

    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(20);
    expect(await onlineOf(idle)).toEqual(idle.map(() => false));
    expect(await onlineOf(recent)).toEqual(recent.map(() => true));
    for (const id of idle) {
      expect(broadcasts.userUpdates(id).map((model) => model.online)).toEqual([false]);
    }
    for (const id of recent) expect(broadcasts.userUpdates(id)).toEqual([]);
  });

  it('when an instance runs, then its timer marks a user offline after the threshold and broadcasts it', async () => {
    const broadcasts = await listenToBroadcasts(world);
    const instance = await world.start({ USERS_OFFLINE_AFTER: 0.2, USERS_SWEEP_INTERVAL: 0.05 });
    const nickname = uniqueNickname();
    const created = await request(instance.url)
      .post('/api/users')
      .send({ nickname, password: 'password1' });
    const { id } = userShape.parse(created.body);

    const signIn = await request(instance.url)
      .get('/api/users/me')
      .set('authorization', basic(nickname, 'password1'));

    expect(signIn.body).toMatchObject({ online: true });
    const onlineNow = async () =>
      userShape.parse((await request(instance.url).get(`/api/users/${id}`)).body).online;
    await expect.poll(onlineNow, { timeout: 5000 }).toBe(false);
    await expect
      .poll(() => broadcasts.userUpdates(id).map((model) => model.online))
      .toEqual([false, true, false]);
  });
});
