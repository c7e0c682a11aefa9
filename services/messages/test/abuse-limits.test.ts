import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from '@microflack/common';
import { startPrivateRedis } from '@microflack/common/testing';
import { MESSAGES_LIMIT_RULES } from '../src/abuse-limits.js';
import { MessagesWorld } from './helpers.js';

// The limits as deployed: this file attacks them.
const deployed = { MF_RATE_LIMIT_SCALE: '1' };
let world: MessagesWorld;
beforeAll(async () => {
  world = await MessagesWorld.create({ env: deployed });
});
afterAll(async () => {
  await world.close();
});

/**
 * Ten posts more than the limit allows, at once, by the token's user; checks that the limit let
 * its allowance through (a second one if its window ended during the burst, never more) and
 * refused the rest with 429s. @returns the responses.
 */
async function burstPastTheLimit(app: MessagesWorld['app'], token: string): Promise<Response[]> {
  const { points, durationSeconds } = MESSAGES_LIMIT_RULES.posts;
  const started = Date.now();
  const responses = await Promise.all(
    Array.from({ length: points + 10 }, (_, n) =>
      request(app)
        .post('/api/messages')
        .auth(token, { type: 'bearer' })
        .send({ source: `burst ${n}` }),
    ),
  );
  const windows = 1 + Math.floor((Date.now() - started) / 1000 / durationSeconds);
  const statuses = responses.map((response) => response.status);
  const accepted = statuses.filter((status) => status === 201).length;
  expect(accepted).toBeGreaterThanOrEqual(points);
  expect(accepted).toBeLessThanOrEqual(points * windows);
  expect(statuses.filter((status) => status !== 201).every((status) => status === 429)).toBe(true);
  return responses;
}

/** The statuses of `count` requests sent one after the other. */
async function inTurn(count: number, send: () => Promise<Response>): Promise<number[]> {
  const statuses = [];
  for (let n = 0; n < count; n++) statuses.push((await send()).status);
  return statuses;
}

/** Checks a refusal: 429 `rate_limited`, the error body, a whole `Retry-After`. */
function expectRefusal(response: Response | undefined): void {
  expect(response?.status).toBe(429);
  expect(errorBody.parse(response?.body).code).toBe('rate_limited');
  expect(response?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
}

async function storedBy(userId: number): Promise<number> {
  const result = await world.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages WHERE user_id = $1',
    [userId],
  );
  return result.rows[0]?.n ?? 0;
}

describe('abuse limits of messages', () => {
  it('when a user posts a burst past the limit, then the rest are 429 with Retry-After, nothing more is stored, and other users still post', async () => {
    const bob = world.user();

    const responses = await burstPastTheLimit(world.app, bob.token);
    const elsewhere = await world.post(world.user().token, 'still here');

    expectRefusal(responses.find((response) => response.status === 429));
    const accepted = responses.filter((response) => response.status === 201).length;
    expect(await storedBy(bob.id)).toBe(accepted);
    expect(elsewhere.source).toBe('still here');
  });

  it('when a user edits past the limit, then the rest are 429 and the message keeps the last allowed edit', async () => {
    const { points } = MESSAGES_LIMIT_RULES.edits;
    const carol = world.user();
    const { id } = await world.post(carol.token, 'draft');
    let edits = 0;
    const edit = () =>
      request(world.app)
        .put(`/api/messages/${id}`)
        .auth(carol.token, { type: 'bearer' })
        .send({ source: `edit ${++edits}` });

    const statuses = await inTurn(points + 3, edit);
    const refused = await edit();
    const message = await request(world.app).get(`/api/messages/${id}`);

    expect(statuses).toEqual([...Array<number>(points).fill(200), 429, 429, 429]);
    expectRefusal(refused);
    expect(message.body).toMatchObject({ source: `edit ${points}` });
  });

  it('when a user deletes past the limit, then the rest are 429, and other users still delete', async () => {
    const { points } = MESSAGES_LIMIT_RULES.deletions;
    const dave = world.user();
    const { id } = await world.post(dave.token, 'deleted again and again');
    const remove = (token: string, messageId: number) => () =>
      request(world.app).delete(`/api/messages/${messageId}`).auth(token, { type: 'bearer' });

    const statuses = await inTurn(points + 2, remove(dave.token, id));
    const refused = await remove(dave.token, id)();
    const erin = world.user();
    const other = await remove(erin.token, (await world.post(erin.token, 'mine')).id)();

    expect(statuses).toEqual([...Array<number>(points).fill(204), 429, 429]);
    expectRefusal(refused);
    expect(other.status).toBe(204);
  });
});

describe('abuse limits of messages while Redis is away', () => {
  it('when Redis stops, then posting still works and a burst is still limited (counted in memory)', async () => {
    const redis = await startPrivateRedis();
    const alone = await MessagesWorld.create({ env: { ...deployed, REDIS_URL: redis.url } });
    const fred = alone.user();

    await redis.kill();
    const responses = await burstPastTheLimit(alone.app, fred.token);
    await redis.start();
    await alone.close();
    await redis.kill();

    expectRefusal(responses.find((response) => response.status === 429));
  });
});
