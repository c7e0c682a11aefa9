import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Message } from '../src/messages.js';
import { MessagesWorld, messageShape } from './helpers.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await MessagesWorld.create();
});
afterAll(async () => {
  await world.close();
});

const post = (token: string, source: string) => world.post(token, source);

/** Stores `count` messages straight in the table: more than a page, without the rate limit. */
async function fill(count: number): Promise<void> {
  await world.pool.query(
    `INSERT INTO messages (user_id, source, html)
     SELECT $1, 'filler', '<p>filler</p>' FROM generate_series(1, $2)`,
    [world.user().id, count],
  );
}

/** How many live messages the table holds. */
async function liveCount(): Promise<number> {
  const result = await world.pool.query(
    'SELECT count(*)::int AS n FROM messages WHERE NOT deleted',
  );
  return z.object({ n: z.number() }).parse(result.rows[0]).n;
}

async function list(query: string): Promise<Message[]> {
  return (await world.list(query)).messages;
}

describe('POST /api/messages', () => {
  it('when a signed-in user posts Markdown, then 201 with Location, rendered html, ms timestamps, links, and a broadcast', async () => {
    const ann = world.user();
    const before = Date.now();

    const response = await request(world.app)
      .post('/api/messages')
      .auth(ann.token, { type: 'bearer' })
      .send({ source: 'hello **world**' });

    const message = messageShape.parse(response.body);
    expect(response.status).toBe(201);
    expect(response.headers['location']).toBe(`/api/messages/${message.id}`);
    expect(message).toEqual({
      id: expect.any(Number) as unknown,
      channel_id: 1, // #general: the post names no channel
      user_id: ann.id,
      source: 'hello **world**',
      html: '<p>hello <strong>world</strong></p>',
      created_at: message.updated_at,
      updated_at: expect.any(Number) as unknown,
      deleted: false,
      _links: { self: `/api/messages/${message.id}`, user: `/api/users/${ann.id}` },
    });
    expect(Number.isInteger(message.created_at)).toBe(true);
    expect(message.created_at).toBeGreaterThanOrEqual(before - 1000);
    expect(message.created_at).toBeLessThanOrEqual(Date.now() + 1000);
    expect(world.events.updates.at(-1)).toEqual(message);
  });

  it('when the source is exactly 4000 characters, then it is accepted', async () => {
    const message = await post(world.user().token, 'x'.repeat(4000));

    expect(message.source).toHaveLength(4000);
  });
});

describe('GET /api/messages', () => {
  it('when no parameter is given, then the latest 100 messages come oldest first, anonymously', async () => {
    const carol = world.user();
    await fill(100);
    const first = await post(carol.token, 'one');
    const second = await post(carol.token, 'two');

    const messages = await list('');

    expect(messages).toHaveLength(100);
    expect(messages.slice(-2).map((message) => message.id)).toEqual([first.id, second.id]);
  });

  it('when limit=N, then the latest N; before=ID pages back through history', async () => {
    const dave = world.user();
    const posted: Message[] = [];
    for (let i = 0; i < 5; i++) posted.push(await post(dave.token, `history ${i}`));
    const ids = posted.map((message) => message.id);

    const latest = await list('limit=2');
    const page = await list(`before=${ids[3]}&limit=2`);
    const older = await list(`before=${ids[1]}&limit=1`);

    expect(latest.map((message) => message.id)).toEqual(ids.slice(3));
    expect(page.map((message) => message.id)).toEqual(ids.slice(1, 3));
    expect(older.map((message) => message.id)).toEqual([ids[0]]);
  });

  it("when user_id=U (a user's messages link), then only that author's messages come", async () => {
    const ivy = world.user();
    const mine = await post(ivy.token, 'by ivy');
    await post(world.user().token, 'by someone else');

    const page = await list(`user_id=${ivy.id}`);
    const caughtUp = await list(`user_id=${ivy.id}&updated_since=${mine.created_at}`);

    expect(page.map((message) => message.id)).toEqual([mine.id]);
    expect(caughtUp.map((message) => message.id)).toEqual([mine.id]);
  });

  it('when more than 500 are asked for, then 400; limit=500 gives everything up to 500', async () => {
    await fill(101);
    const live = await liveCount();

    const tooMany = await request(world.app).get('/api/messages?limit=501');
    const most = await list('limit=500');

    expect(tooMany.status).toBe(400);
    expect(live).toBeGreaterThan(100);
    expect(most).toHaveLength(Math.min(500, live));
  });

  it('when the token is bad, then 401 even though a token is optional', async () => {
    const response = await request(world.app)
      .get('/api/messages')
      .set('authorization', 'Bearer not-a-token');

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
  });
});

describe('GET /api/messages/:id', () => {
  it('when the message exists, then 200; otherwise 404', async () => {
    const message = await post(world.user().token, 'find me');

    const found = await request(world.app).get(`/api/messages/${message.id}`);
    const missing = await request(world.app).get('/api/messages/2147483647');

    expect(found.status).toBe(200);
    expect(found.body).toEqual(message);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'message_not_found' });
  });
});

describe('PUT /api/messages/:id', () => {
  it('when the author edits, then 200 with the new html, a later updated_at, and a broadcast', async () => {
    const fred = world.user();
    const message = await post(fred.token, 'typo');

    const response = await request(world.app)
      .put(`/api/messages/${message.id}`)
      .auth(fred.token, { type: 'bearer' })
      .send({ source: '*fixed*' });

    const edited = messageShape.parse(response.body);
    expect(response.status).toBe(200);
    expect(edited).toMatchObject({
      id: message.id,
      source: '*fixed*',
      html: '<p><em>fixed</em></p>',
    });
    expect(edited.created_at).toBe(message.created_at);
    expect(edited.updated_at).toBeGreaterThanOrEqual(message.updated_at);
    expect(world.events.updates.at(-1)).toEqual(edited);
  });

  it('when someone else edits, then 403 and the message is unchanged', async () => {
    const message = await post(world.user().token, 'mine');

    const response = await request(world.app)
      .put(`/api/messages/${message.id}`)
      .auth(world.user().token, { type: 'bearer' })
      .send({ source: 'hijacked' });

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'not_author' });
    expect((await request(world.app).get(`/api/messages/${message.id}`)).body).toEqual(message);
  });

  it('when the message does not exist or was deleted, then 404', async () => {
    const gina = world.user();
    const message = await post(gina.token, 'short-lived');
    await request(world.app)
      .delete(`/api/messages/${message.id}`)
      .auth(gina.token, { type: 'bearer' });

    const deleted = await request(world.app)
      .put(`/api/messages/${message.id}`)
      .auth(gina.token, { type: 'bearer' })
      .send({ source: 'revived' });
    const missing = await request(world.app)
      .put('/api/messages/2147483647')
      .auth(gina.token, { type: 'bearer' })
      .send({ source: 'x' });

    expect(deleted.status).toBe(404);
    expect(missing.status).toBe(404);
  });
});

describe('DELETE /api/messages/:id', () => {
  it('when the author deletes, then 204, a tombstone stays, and deleted_model is broadcast once', async () => {
    const hank = world.user();
    const message = await post(hank.token, 'regret');

    const first = await request(world.app)
      .delete(`/api/messages/${message.id}`)
      .auth(hank.token, { type: 'bearer' });
    const again = await request(world.app)
      .delete(`/api/messages/${message.id}`)
      .auth(hank.token, { type: 'bearer' });
    const tombstone = await request(world.app).get(`/api/messages/${message.id}`);

    expect(first.status).toBe(204);
    expect(again.status).toBe(204);
    expect(tombstone.body).toMatchObject({ id: message.id, deleted: true, source: '', html: '' });
    expect(world.events.deletions.filter((id) => id === message.id)).toHaveLength(1);
    expect((await list('limit=500')).map((m) => m.id)).not.toContain(message.id);
  });

  it('when someone else deletes, then 403 and the message stays', async () => {
    const message = await post(world.user().token, 'keep me');

    const response = await request(world.app)
      .delete(`/api/messages/${message.id}`)
      .auth(world.user().token, { type: 'bearer' });

    expect(response.status).toBe(403);
    expect((await request(world.app).get(`/api/messages/${message.id}`)).body).toEqual(message);
  });

  it('when the message does not exist, then 404', async () => {
    const response = await request(world.app)
      .delete('/api/messages/2147483647')
      .auth(world.user().token, { type: 'bearer' });

    expect(response.status).toBe(404);
  });
});
