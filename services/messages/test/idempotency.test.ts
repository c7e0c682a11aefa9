import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MessagesWorld, messageShape } from './helpers.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await MessagesWorld.create();
});
afterAll(async () => {
  await world.close();
});

const postWithKey = (token: string, source: string, key: string) =>
  request(world.app)
    .post('/api/messages')
    .auth(token, { type: 'bearer' })
    .set('Idempotency-Key', key)
    .send({ source });

async function rowsOf(userId: number): Promise<number> {
  const result = await world.pool.query(
    'SELECT count(*)::int AS n FROM messages WHERE user_id = $1',
    [userId],
  );
  return z.object({ n: z.number() }).parse(result.rows[0]).n;
}

describe('POST /api/messages with an Idempotency-Key', () => {
  it('when a post is retried with the same key, then 200 with the first message, one row, one broadcast', async () => {
    const ann = world.user();

    const first = await postWithKey(ann.token, 'only once', 'key-1');
    const retry = await postWithKey(ann.token, 'only once', 'key-1');

    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    const message = messageShape.parse(first.body);
    expect(retry.body).toEqual(message);
    expect(retry.headers['location']).toBe(`/api/messages/${message.id}`);
    expect(await rowsOf(ann.id)).toBe(1);
    expect(world.events.updates.filter((update) => update.id === message.id)).toHaveLength(1);
  });

  it('when another user sends the same key, or the same user another key, then each is a new message', async () => {
    const bob = world.user();
    const cat = world.user();

    const bobs = await postWithKey(bob.token, 'hello', 'shared-key');
    const cats = await postWithKey(cat.token, 'hello', 'shared-key');
    const bobsSecond = await postWithKey(bob.token, 'hello', 'other-key');

    expect([bobs.status, cats.status, bobsSecond.status]).toEqual([201, 201, 201]);
    const ids = [bobs, cats, bobsSecond].map((response) => messageShape.parse(response.body).id);
    expect(new Set(ids).size).toBe(3);
  });

  it('when retries with one key race, then exactly one is created and all answer with it', async () => {
    const dan = world.user();

    const responses = await Promise.all(
      Array.from({ length: 8 }, () => postWithKey(dan.token, 'racing', 'race-key')),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const ids = new Set(responses.map((response) => messageShape.parse(response.body).id));
    expect(ids.size).toBe(1);
    expect(await rowsOf(dan.id)).toBe(1);
  });

  it('when the first message was deleted meanwhile, then the retry gets its tombstone, not a new copy', async () => {
    const eve = world.user();
    const first = messageShape.parse((await postWithKey(eve.token, 'gone', 'key-d')).body);
    await request(world.app)
      .delete(`/api/messages/${first.id}`)
      .auth(eve.token, { type: 'bearer' });

    const retry = await postWithKey(eve.token, 'gone', 'key-d');

    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: first.id, deleted: true });
  });

  it('when the key is exactly 64 characters, then it is accepted', async () => {
    const response = await postWithKey(world.user().token, 'long key', 'k'.repeat(64));

    expect(response.status).toBe(201);
  });

  it.each([
    ['65 characters', 'k'.repeat(65)],
    ['empty', ''],
    ['with a space', 'two words'],
    ['not ASCII', 'clé'],
  ])(
    'when the key is %s, then 400 invalid_idempotency_key and nothing is stored',
    async (_, key) => {
      const fay = world.user();

      const response = await postWithKey(fay.token, 'bad key', key);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: expect.any(String) as unknown,
        code: 'invalid_idempotency_key',
      });
      expect(await rowsOf(fay.id)).toBe(0);
    },
  );
});
