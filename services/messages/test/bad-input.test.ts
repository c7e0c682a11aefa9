import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenKeys } from '@microflack/common';
import { MessagesWorld, messageShape } from './helpers.js';

let world: MessagesWorld;
let rowsBefore: number;
let broadcastsBefore: number;

beforeAll(async () => {
  world = await MessagesWorld.create();
});
afterAll(async () => {
  await world.close();
});

async function countRows(): Promise<number> {
  const result = await world.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
  return result.rows[0]?.n ?? -1;
}

beforeEach(async () => {
  rowsBefore = await countRows();
  broadcastsBefore = world.events.updates.length + world.events.deletions.length;
});

/** After every bad request: nothing stored, nothing broadcast. */
async function expectNothingChanged(): Promise<void> {
  expect(await countRows()).toBe(rowsBefore);
  expect(world.events.updates.length + world.events.deletions.length).toBe(broadcastsBefore);
}

describe('bad bodies', () => {
  it.each([
    ['malformed JSON', 400, 'malformed_json', '{"source": "x"'],
    [
      'a body over 16 KiB',
      413,
      'payload_too_large',
      JSON.stringify({ source: 'x'.repeat(17 * 1024) }),
    ],
    ['a number for source', 400, 'invalid_input', '{"source": 42}'],
    ['null for source', 400, 'invalid_input', '{"source": null}'],
    ['an object for source', 400, 'invalid_input', '{"source": {"$gt": ""}}'],
    ['no source', 400, 'invalid_input', '{"text": "hello"}'],
    ['an array body', 400, 'invalid_input', '["hello"]'],
    ['a bare string body', 400, 'malformed_json', '"hello"'],
    ['an empty source', 400, 'invalid_input', '{"source": ""}'],
    ['a whitespace-only source', 400, 'invalid_input', '{"source": " \\n\\t "}'],
    ['a source of zero-width characters', 400, 'invalid_input', '{"source": "\\u200b\\ufeff"}'],
    ['a NUL character', 400, 'invalid_input', '{"source": "a\\u0000b"}'],
    [
      'a source over 4000 characters',
      400,
      'invalid_input',
      JSON.stringify({ source: 'y'.repeat(4001) }),
    ],
  ])('when POST sends %s, then %i %s and nothing is stored', async (_what, status, code, body) => {
    const response = await request(world.app)
      .post('/api/messages')
      .auth(world.user().token, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send(body);

    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: expect.any(String) as unknown, code });
    await expectNothingChanged();
  });

  it('when PUT sends a NUL character, then 400 and the message is unchanged', async () => {
    const ann = world.user();
    const created = await world.post(ann.token, 'original');
    rowsBefore = await countRows();
    broadcastsBefore = world.events.updates.length + world.events.deletions.length;

    const response = await request(world.app)
      .put(`/api/messages/${String(created.id)}`)
      .auth(ann.token, { type: 'bearer' })
      .send({ source: 'a\u0000b' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_input' });
    await expectNothingChanged();
  });

  it.each([
    ['quotes', '> '.repeat(2000)],
    ['ordered lists', '1. '.repeat(1333)],
    ['bullet lists', '+ '.repeat(2000)],
  ])(
    'when POST sends %s nested thousands deep, then 201 with the source as escaped text',
    async (_what, source) => {
      const message = await world.post(world.user().token, source);

      expect(message.html).toBe(`<p>${source.replaceAll('>', '&gt;')}</p>`);
    },
  );

  it("when PUT sends a bad body to the author's own message, then 400 and the message is unchanged", async () => {
    const ann = world.user();
    const created = await request(world.app)
      .post('/api/messages')
      .auth(ann.token, { type: 'bearer' })
      .send({ source: 'original' });
    rowsBefore = await countRows();
    broadcastsBefore = world.events.updates.length + world.events.deletions.length;

    const response = await request(world.app)
      .put(`/api/messages/${String(messageShape.parse(created.body).id)}`)
      .auth(ann.token, { type: 'bearer' })
      .send({ source: 7 });

    expect(response.status).toBe(400);
    await expectNothingChanged();
  });
});

describe('bad ids and queries', () => {
  it.each(['abc', '0', '-1', '1.5', '1e3', '99999999999', '2147483648', '%00'])(
    'when the id is %s, then a clean 4xx',
    async (id) => {
      const read = await request(world.app).get(`/api/messages/${id}`);
      const removed = await request(world.app)
        .delete(`/api/messages/${id}`)
        .auth(world.user().token, { type: 'bearer' });

      expect(read.status).toBeGreaterThanOrEqual(400);
      expect(read.status).toBeLessThan(500);
      expect(removed.status).toBeGreaterThanOrEqual(400);
      expect(removed.status).toBeLessThan(500);
      await expectNothingChanged();
    },
  );

  it.each([
    'limit=abc',
    'limit=0',
    'limit=-1',
    'limit=501',
    'limit=1&limit=2',
    'before=abc',
    'before=0',
    'updated_since=-5',
    'updated_since=soon',
    'updated_since=99999999999999999999',
    'before=5&updated_since=0',
    'cursor=abc',
    'cursor=12',
    'cursor=1.2.3',
    'cursor=12.-1',
    'cursor=99999999999999999999.1',
    'cursor=1.99999999999',
    'cursor=1.2147483648',
    'before=5&cursor=1.0',
    'limit=%00',
  ])('when the query is %s, then 400', async (query) => {
    const response = await request(world.app).get(`/api/messages?${query}`);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_input' });
  });
});

describe('bad tokens', () => {
  const otherKeys = new TokenKeys('some-other-secret-entirely-here', 60);

  it.each([
    ['no token', () => undefined, 'token_required'],
    ['a revoked token', () => revokedToken(), 'revoked_token'],
    ['an expired token', () => world.keys.sign(1, Date.now() - 7200_000).token, 'expired_token'],
    ['a token signed with another key', () => otherKeys.sign(1).token, 'invalid_token'],
    ['garbage', () => 'garbage', 'invalid_token'],
  ])(
    'when a write carries %s, then 401 with a Bearer challenge and nothing is stored',
    async (_what, token, code) => {
      const given = token();
      const post = request(world.app).post('/api/messages');
      if (given !== undefined) void post.auth(given, { type: 'bearer' });

      const response = await post.send({ source: 'hello' });

      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
      expect(response.body).toMatchObject({ code });
      await expectNothingChanged();
    },
  );

  it('when Basic credentials are sent, then 401', async () => {
    const response = await request(world.app)
      .post('/api/messages')
      .auth('ann', 'password1')
      .send({ source: 'hello' });

    expect(response.status).toBe(401);
    await expectNothingChanged();
  });
});

function revokedToken(): string {
  const user = world.user();
  world.revoked.add(user.jti);
  return user.token;
}
