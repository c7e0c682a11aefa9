import { createHmac } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectEtcd, RevocationSet, TokenKeys, type RunningService } from '@microflack/common';
import { basic, bearer, silentLogger, uniqueNickname } from '@microflack/common/testing';
import { listenToBroadcasts, userShape, UsersWorld } from './helpers.js';

const errorCode = z.object({ code: z.string() });
let world: UsersWorld;
let instance: RunningService;

beforeAll(async () => {
  // The limits as deployed: this file checks them.
  world = await UsersWorld.create({ MF_RATE_LIMIT_SCALE: '1' });
  instance = await world.start();
});
afterAll(async () => world.close());

/** Registers a user through the first instance; it comes back with its password and a token. */
function register(nickname?: string, password?: string) {
  return world.register(instance.url, nickname, password);
}

function me(authorization?: string, url = instance.url) {
  const call = request(url).get('/api/users/me');
  return authorization === undefined ? call : call.set('authorization', authorization);
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('GET /api/users/me with Basic credentials', () => {
  it('when they are right, then 200 with the user, now online, and the change is broadcast', async () => {
    const broadcasts = await listenToBroadcasts(world);
    const user = await register();

    const response = await me(basic(user.nickname, user.password));

    expect(response.status).toBe(200);
    const signedIn = userShape.parse(response.body);
    expect(signedIn).toMatchObject({ id: user.id, online: true });
    expect(signedIn.last_seen_at).toBeGreaterThanOrEqual(user.last_seen_at);
    expect(response.text).not.toMatch(/password|\$2[aby]\$/);
    await expect.poll(() => broadcasts.userUpdates(user.id).at(-1)).toEqual(signedIn);
  });

  it('when the nickname is typed in another case, then it still signs in', async () => {
    const user = await register(uniqueNickname('MixedCase'));

    const response = await me(basic(user.nickname.toLowerCase(), user.password));

    expect(response.status).toBe(200);
  });

  it.each([
    ['a wrong password', (nickname: string) => basic(nickname, 'wrong password')],
    ['an unknown nickname', () => basic(uniqueNickname('ghost'), 'password1')],
    ['an invalid nickname', () => basic("x' OR '1'='1", 'password1')],
    ['the password plus a 73rd byte', (nickname: string) => basic(nickname, `${'p'.repeat(72)}!`)],
    ['no colon', () => `Basic ${Buffer.from('nocolon').toString('base64')}`],
    ['an empty nickname', () => basic('', 'password1')],
    ['a garbage scheme', () => 'Digest username="x"'],
    ['a bare scheme', () => 'Basic'],
  ])('when given %s, then 401 with the Bearer challenge', async (_what, header) => {
    const user = await register(uniqueNickname(), 'p'.repeat(72));

    const response = await me(header(user.nickname));

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
    expect(response.body).toEqual({
      error: expect.any(String) as unknown,
      code: expect.any(String) as unknown,
    });
  });

  it('when a nickname fails 5 times, then the 6th attempt is 429 with Retry-After, even with the right password', async () => {
    const user = await register();

    const failures = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      failures.push((await me(basic(user.nickname, 'wrong password'))).status);
    }
    const limited = await me(basic(user.nickname, user.password));

    expect(failures).toEqual([401, 401, 401, 401, 401]);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'too_many_attempts' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('when the failures are spread over two instances, then they count together', async () => {
    const other = await world.start();
    const user = await register();

    for (const url of [instance.url, other.url, instance.url, other.url, instance.url]) {
      expect((await me(basic(user.nickname, 'wrong password'), url)).status).toBe(401);
    }
    const limited = await me(basic(user.nickname, user.password), other.url);

    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('when 10 wrong guesses arrive at once, then no more than 5 are checked', async () => {
    const user = await register();

    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => me(basic(user.nickname, 'wrong password'))),
    );

    expect(statuses.filter((response) => response.status === 401)).toHaveLength(5);
    expect(statuses.filter((response) => response.status === 429)).toHaveLength(5);
  });

  it('when sign-ins succeed, then they do not count toward the limit', async () => {
    const user = await register();

    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await me(basic(user.nickname, 'wrong password'))).status);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await me(basic(user.nickname, user.password))).status);
    }

    expect(statuses).toEqual([401, 401, 401, 401, 200, 200, 200]);
  });
});

describe('GET /api/users/me with a Bearer token', () => {
  it('when the token is valid, then 200 with the user', async () => {
    const user = await register();

    const response = await me(bearer(user.token));

    expect(response.status).toBe(200);
    expect(userShape.parse(response.body)).toMatchObject({ id: user.id, online: false });
  });

  it('when there is no Authorization header, then 401 with the Bearer challenge', async () => {
    const response = await me();

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
  });

  it('when the token is expired, tampered, unsigned, signed with another key or for no user, then 401', async () => {
    const user = await register();
    const expired = new TokenKeys(world.config.JWT_SECRET_KEY, 60).sign(
      user.id,
      Date.now() - 120_000,
    );
    const [header, payload, signature] = user.token.split('.');
    const claims = z
      .record(z.string(), z.unknown())
      .parse(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()));
    const tampered = `${header}.${base64url({ ...claims, user_id: user.id + 1 })}.${signature}`;
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    const hs512 = `${base64url({ alg: 'HS512', typ: 'JWT' })}.${payload}`;
    const hs512Signed = `${hs512}.${createHmac('sha512', world.config.JWT_SECRET_KEY).update(hs512).digest('base64url')}`;
    const otherKey = new TokenKeys('another-secret-of-enough-length', 60).sign(user.id).token;
    const nobody = world.keys.sign(2_000_000_000).token;

    const responses = await Promise.all(
      [expired.token, tampered, unsigned, hs512Signed, otherKey, nobody, 'garbage'].map((token) =>
        me(bearer(token)),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual([
      401, 401, 401, 401, 401, 401, 401,
    ]);
    expect(responses.map((response) => errorCode.parse(response.body).code)).toEqual([
      'expired_token',
      'invalid_token',
      'invalid_token',
      'invalid_token',
      'invalid_token',
      'unknown_user',
      'invalid_token',
    ]);
  });

  it('when the token is revoked, then it is refused within 1 s', async () => {
    const user = await register();
    const issued = world.keys.sign(user.id);
    expect((await me(bearer(issued.token))).status).toBe(200);
    const etcd = connectEtcd(world.config);
    const tokens = await RevocationSet.start(etcd, world.config.MF_ETCD_PREFIX, silentLogger());

    await tokens.revoke(issued.jti, issued.expires_at);
    await expect
      .poll(async () => (await me(bearer(issued.token))).status, { timeout: 1000, interval: 20 })
      .toBe(401);

    expect((await me(bearer(issued.token))).body).toMatchObject({ code: 'revoked_token' });
    await tokens.close();
    etcd.close();
  });
});

describe('PUT and DELETE /api/users/me', () => {
  it('when pinged, then 204, the user is online with a fresh last_seen_at, and going online is broadcast once', async () => {
    const broadcasts = await listenToBroadcasts(world);
    const user = await register();

    const first = await request(instance.url)
      .put('/api/users/me')
      .set('authorization', bearer(user.token));
    const second = await request(instance.url)
      .put('/api/users/me')
      .set('authorization', bearer(user.token));
    const after = userShape.parse((await me(bearer(user.token))).body);

    expect([first.status, second.status]).toEqual([204, 204]);
    expect(first.text).toBe('');
    expect(after.online).toBe(true);
    expect(after.last_seen_at).toBeGreaterThanOrEqual(user.last_seen_at);
    await broadcasts.flushed((await world.domain()).broadcaster);
    await expect
      .poll(() => broadcasts.userUpdates(user.id).map((model) => model.online))
      .toEqual([false, true]);
  });

  it('when deleted, then 204, the user is offline, and going offline is broadcast', async () => {
    const broadcasts = await listenToBroadcasts(world);
    const user = await register();
    await me(basic(user.nickname, user.password));

    const response = await request(instance.url)
      .delete('/api/users/me')
      .set('authorization', bearer(user.token));
    const after = userShape.parse((await me(bearer(user.token))).body);

    expect(response.status).toBe(204);
    expect(after.online).toBe(false);
    await expect
      .poll(() => broadcasts.userUpdates(user.id).map((model) => model.online))
      .toEqual([false, true, false]);
  });

  it.each(['put', 'delete'] as const)(
    'when %s has no token, Basic credentials or a bad token, then 401',
    async (method) => {
      const user = await register();

      const responses = await Promise.all(
        [
          undefined,
          basic(user.nickname, user.password),
          bearer('x.y.z'),
          `Token ${user.token}`,
        ].map((header) => {
          const call = request(instance.url)[method]('/api/users/me');
          return header === undefined ? call : call.set('authorization', header);
        }),
      );

      expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 401]);
      const after = userShape.parse((await me(bearer(user.token))).body);
      expect(after.updated_at).toBe(user.updated_at);
    },
  );

  it('when the token belongs to no user, then 401 unknown_user', async () => {
    const token = world.keys.sign(2_000_000_001).token;

    const put = await request(instance.url)
      .put('/api/users/me')
      .set('authorization', bearer(token));
    const del = await request(instance.url)
      .delete('/api/users/me')
      .set('authorization', bearer(token));

    expect([put.status, del.status]).toEqual([401, 401]);
    expect(put.body).toMatchObject({ code: 'unknown_user' });
  });
});
