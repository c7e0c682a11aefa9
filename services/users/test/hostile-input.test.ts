import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TokenKeys } from '@microflack/common';
import { basic, bearer, uniqueNickname } from '@microflack/common/testing';
import { UsersWorld, useUsersWorld } from './helpers.js';

const { world, instance, pool } = useUsersWorld();
let user: Awaited<ReturnType<UsersWorld['register']>>;

beforeAll(async () => {
  user = await world().register(instance().url);
});

const errorBody = z.strictObject({ error: z.string().min(1), code: z.string().regex(/^[a-z_]+$/) });

/** Every row of the users table, to prove that a refused request changed nothing. */
async function snapshot(): Promise<unknown[]> {
  const result = await pool().query<Record<string, unknown>>('SELECT * FROM users ORDER BY id');
  return result.rows;
}

// POST /api/users takes no authentication, so it never reads the header.
const routes = [
  ['get', '/api/users'],
  ['get', '/api/users/me'],
  ['put', '/api/users/me'],
  ['delete', '/api/users/me'],
  ['get', '/api/users/1'],
  ['put', '/api/users/1'],
] as const;

const hostileHeaders: [string, () => Record<string, string>][] = [
  ['a Digest scheme', () => ({ authorization: 'Digest username="ann", realm="x"' })],
  ['an empty Bearer', () => ({ authorization: 'Bearer ' })],
  ['a token with spaces', () => ({ authorization: 'Bearer a b c' })],
  ['an expired token', () => ({ authorization: bearer(expiredToken()) })],
  ['a tampered token', () => ({ authorization: bearer(`${world().keys.sign(user.id).token}A`) })],
  ['a token from another key', () => ({ authorization: bearer(foreignToken()) })],
  ['Basic garbage', () => ({ authorization: 'Basic !!!not-base64!!!' })],
  ['Basic with SQL', () => ({ authorization: basic("admin' --", "' OR '1'='1") })],
  ['a 6 KiB Basic', () => ({ authorization: basic('a'.repeat(3000), 'b'.repeat(3000)) })],
];

function expiredToken(): string {
  return new TokenKeys(world().config.JWT_SECRET_KEY, 1).sign(user.id, Date.now() - 10_000).token;
}

function foreignToken(): string {
  return new TokenKeys('some-other-secret-entirely', 60).sign(user.id).token;
}

describe('hostile input on every route', () => {
  it.each(
    routes.flatMap(([method, path]) =>
      hostileHeaders.map(([what, headers]) => [method, path, what, headers] as const),
    ),
  )(
    'when %s %s gets %s, then a 401 JSON error and nothing changes',
    async (method, path, _what, headers) => {
      const before = await snapshot();

      const call = request(instance().url)[method](path);
      const response = await call.set(headers()).send({ nickname: 'x1' });

      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
      errorBody.parse(response.body);
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each([
    ['a malformed percent-encoding in the path', 'get', '/api/users/%E0%A4%A', undefined, {}],
    ['a lone percent sign in the path', 'get', '/api/users/%', undefined, {}],
    ['a path with SQL', 'get', '/api/users/1;DROP%20TABLE%20users', undefined, {}],
    ['an unknown route', 'get', '/api/users/1/friends', undefined, {}],
    ['an unknown method', 'patch', '/api/users/1', '{}', {}],
    ['a broken gzip body', 'post', '/api/users', 'not gzip', { 'content-encoding': 'gzip' }],
    ['a brotli-labelled body', 'post', '/api/users', '{}', { 'content-encoding': 'br' }],
    [
      'an unknown charset',
      'post',
      '/api/users',
      '{}',
      { 'content-type': 'application/json; charset=klingon' },
    ],
    [
      'a deeply nested body',
      'post',
      '/api/users',
      '['.repeat(5000) + ']'.repeat(5000),
      { 'content-type': 'application/json' },
    ],
  ] as const)(
    'when given %s, then a 4xx JSON error and nothing is stored',
    async (_what, method, path, body, headers) => {
      const before = await snapshot();

      const call = request(instance().url)[method](path);
      call.set(headers);
      const response = await (body === undefined ? call : call.send(body));

      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      errorBody.parse(response.body);
      expect(await snapshot()).toEqual(before);
    },
  );

  it('when a body carries a __proto__ key, then it is ignored like any unknown field and pollutes nothing', async () => {
    const nickname = uniqueNickname('proto');

    const response = await request(instance().url)
      .post('/api/users')
      .set('content-type', 'application/json')
      .send(`{"__proto__":{"admin":true},"nickname":"${nickname}","password":"password1"}`);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ nickname });
    expect(response.body).not.toHaveProperty('admin');
    expect(Object.prototype).not.toHaveProperty('admin');
  });

  it('when a valid body arrives gzipped, then it is accepted like any other', async () => {
    const body = JSON.stringify({
      nickname: `gz_${Date.now() % 1_000_000}`,
      password: 'password1',
    });

    // fetch, not supertest: superagent would serialise the Buffer as JSON.
    const response = await fetch(`${instance().url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(body),
    });

    expect(response.status).toBe(201);
  });
});
