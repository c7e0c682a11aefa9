import { once } from 'node:events';
import { createServer } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectEtcd, registryKeys, TokenKeys, type RunningService } from '@microflack/common';
import { basic, freePort, portOf, randomAddress, uniqueNickname } from '@microflack/common/testing';
import { issuedShape, TokensWorld } from './helpers.js';

let world: TokensWorld;
let tokens: RunningService;

beforeAll(async () => {
  world = await TokensWorld.create();
  tokens = await world.start();
});
afterAll(async () => world.close());

async function register(nickname = uniqueNickname(), password = 'password1') {
  const response = await request(world.users.url)
    .post('/api/users')
    .set('x-forwarded-for', randomAddress())
    .send({ nickname, password });
  expect(response.status).toBe(201);
  return { id: z.object({ id: z.number() }).parse(response.body).id, nickname, password };
}

function issue(authorization?: string, url = tokens.url) {
  const call = request(url).post('/api/tokens');
  return authorization === undefined ? call : call.set('authorization', authorization);
}

function revoke(authorization?: string) {
  const call = request(tokens.url).delete('/api/tokens');
  return authorization === undefined ? call : call.set('authorization', authorization);
}

const errorBody = z.strictObject({ error: z.string(), code: z.string() });

describe('POST /api/tokens', () => {
  it('when the credentials are right, then 200 {token, expires_at} for that user, not cached', async () => {
    const user = await register();
    const before = Date.now();

    const response = await issue(basic(user.nickname, user.password));

    expect(response.status).toBe(200);
    const issued = issuedShape.parse(response.body);
    const claims = world.keys.verify(issued.token);
    expect(claims.user_id).toBe(user.id);
    expect(issued.expires_at).toBe(claims.exp * 1000);
    expect(issued.expires_at).toBeGreaterThanOrEqual(before + world.config.TOKEN_TTL * 1000 - 1000);
    expect(response.headers['cache-control']).toBe('no-store');
    const me = await request(world.users.url)
      .get('/api/users/me')
      .set('authorization', `Bearer ${issued.token}`);
    expect(me.body).toMatchObject({ id: user.id, online: true });
  });

  it.each([
    ['a wrong password', (nickname: string) => basic(nickname, 'wrong password')],
    ['an unknown nickname', () => basic(uniqueNickname('ghost'), 'password1')],
    ['a unicode nickname', () => basic('Zoë', 'password1')],
    ['an SQL-looking nickname', () => basic("' OR 1=1 --", 'password1')],
    ['no colon', () => `Basic ${Buffer.from('nocolon').toString('base64')}`],
    ['a Bearer token instead', () => `Bearer ${new TokenKeys('x'.repeat(32), 60).sign(1).token}`],
    ['an unknown scheme', () => 'Digest username="ann"'],
  ])('when given %s, then 401 with the Bearer challenge', async (_what, header) => {
    const user = await register();

    const response = await issue(header(user.nickname));

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
    expect(errorBody.parse(response.body).code).not.toBe('');
  });

  it('when there are no credentials, then 401 credentials_required', async () => {
    const response = await issue();

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
    expect(response.body).toMatchObject({ code: 'credentials_required' });
  });

  it('when users says 429, then the 429 and its Retry-After are passed through', async () => {
    const user = await register();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await issue(basic(user.nickname, 'wrong password'))).status).toBe(401);
    }

    const response = await issue(basic(user.nickname, user.password));

    expect(response.status).toBe(429);
    expect(response.body).toMatchObject({ code: 'too_many_attempts' });
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('when users cannot be reached, then 503 users_unavailable', async () => {
    const nowhere = await world.start({ MF_BALANCER_URL: `http://127.0.0.1:${await freePort()}` });

    const response = await issue(basic('ann', 'password1'), nowhere.url);

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'users_unavailable' });
  });

  it.each([
    [503, '{"error":"No instance.","code":"no_instances"}'],
    [500, '{"error":"Oops.","code":"internal_error"}'],
    [404, '<html>not found</html>'],
    [200, '{"unexpected":true}'],
  ])('when the balancer answers %i for users, then 503 users_unavailable', async (status, body) => {
    const balancer = createServer((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body),
    );
    balancer.listen(0, '127.0.0.1');
    await once(balancer, 'listening');
    const behind = await world.start({ MF_BALANCER_URL: `http://127.0.0.1:${portOf(balancer)}` });

    const response = await issue(basic('ann', 'password1'), behind.url);

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'users_unavailable' });
    balancer.close();
  });

  it.each([
    ['a 33-character nickname', basic('n'.repeat(33), 'password1')],
    ['a 73-byte password', basic('ann', 'p'.repeat(73))],
    ['a 11 KB password', basic('ann', 'p'.repeat(11_000))],
  ])(
    'when given %s, which no account has, then 401 wrong_credentials without asking users',
    async (_what, header) => {
      let asked = 0;
      const balancer = createServer((_req, res) => {
        asked++;
        res.writeHead(503).end();
      });
      balancer.listen(0, '127.0.0.1');
      await once(balancer, 'listening');
      const behind = await world.start({ MF_BALANCER_URL: `http://127.0.0.1:${portOf(balancer)}` });

      const response = await issue(header, behind.url);

      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
      expect(response.body).toMatchObject({ code: 'wrong_credentials' });
      expect(asked).toBe(0);
      balancer.close();
    },
  );

  it('when the body is malformed or oversize, then a 4xx and no token', async () => {
    const user = await register();

    const malformed = await issue(basic(user.nickname, user.password))
      .set('content-type', 'application/json')
      .send('{"oops":');
    const oversize = await issue(basic(user.nickname, user.password)).send({
      padding: 'x'.repeat(17 * 1024),
    });

    expect([malformed.status, oversize.status]).toEqual([400, 413]);
    expect(malformed.body).not.toHaveProperty('token');
  });
});

describe('DELETE /api/tokens', () => {
  it('when a token is revoked, then 204, its jti is in etcd for its remaining life, and it is refused everywhere within 1 s', async () => {
    const user = await register();
    const issued = issuedShape.parse((await issue(basic(user.nickname, user.password))).body);
    const { jti } = world.keys.verify(issued.token);
    const etcd = connectEtcd(world.config);
    const key = registryKeys(world.config.MF_ETCD_PREFIX).revokedToken(jti);

    const response = await revoke(`Bearer ${issued.token}`);
    const revokedAt = Date.now();
    const usersRefuses = async () =>
      (
        await request(world.users.url)
          .get('/api/users/me')
          .set('authorization', `Bearer ${issued.token}`)
      ).status;
    await expect.poll(usersRefuses, { timeout: 1000, interval: 20 }).toBe(401);

    expect(response.status).toBe(204);
    const stored = await etcd.get(key).exec();
    const lease = await etcd.leaseClient.leaseTimeToLive({ ID: stored.kvs[0]?.lease ?? '0' });
    const remaining = Math.ceil((issued.expires_at - revokedAt) / 1000);
    expect(Number(lease.grantedTTL)).toBeGreaterThanOrEqual(remaining - 1);
    expect(Number(lease.grantedTTL)).toBeLessThanOrEqual(remaining + 1);
    const again = await revoke(`Bearer ${issued.token}`);
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ code: 'revoked_token' });
    etcd.close();
  });

  it('when all=1, then every token of the user is refused everywhere within 1 s, and a token issued after works', async () => {
    const user = await register();
    const credentials = basic(user.nickname, user.password);
    const first = issuedShape.parse((await issue(credentials)).body).token;
    const second = issuedShape.parse((await issue(credentials)).body).token;
    const other = await register();
    const bystander = issuedShape.parse((await issue(basic(other.nickname, other.password))).body);
    const usersSays = async (token: string) =>
      (await request(world.users.url).get('/api/users/me').set('authorization', `Bearer ${token}`))
        .status;

    const response = await request(tokens.url)
      .delete('/api/tokens?all=1')
      .set('authorization', `Bearer ${first}`);
    await expect.poll(() => usersSays(second), { timeout: 1000, interval: 20 }).toBe(401);
    const after = issuedShape.parse((await issue(credentials)).body).token;

    expect(response.status).toBe(204);
    expect(await usersSays(first)).toBe(401);
    expect(await usersSays(after)).toBe(200);
    expect(await usersSays(bystander.token)).toBe(200);
  });

  it('when all is neither 0, 1, true nor false, then 400 and nothing is revoked', async () => {
    const user = await register();
    const { token } = issuedShape.parse((await issue(basic(user.nickname, user.password))).body);

    const response = await request(tokens.url)
      .delete('/api/tokens?all=yes')
      .set('authorization', `Bearer ${token}`);

    expect(response.status).toBe(400);
    expect((await revoke(`Bearer ${token}`)).status).toBe(204);
  });

  it.each([
    ['no token', undefined],
    ['Basic credentials', basic('ann', 'password1')],
    ['a garbage token', 'Bearer not.a.token'],
    ['an unknown scheme', 'Token abc'],
  ])('when given %s, then 401', async (_what, header) => {
    const response = await revoke(header);

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
  });

  it('when the token is expired or tampered, then 401', async () => {
    const user = await register();
    const expired = world.keys.sign(user.id, Date.now() - 2 * world.config.TOKEN_TTL * 1000);
    const fresh = world.keys.sign(user.id);
    const [header, , signature] = fresh.token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...world.keys.verify(fresh.token), user_id: 1 }));
    const tampered = `${header}.${forged.toString('base64url')}.${signature}`;

    const responses = await Promise.all([
      revoke(`Bearer ${expired.token}`),
      revoke(`Bearer ${tampered}`),
    ]);

    expect(responses.map((response) => response.status)).toEqual([401, 401]);
    expect(responses.map((response) => errorBody.parse(response.body).code)).toEqual([
      'expired_token',
      'invalid_token',
    ]);
  });
});

describe('anything else', () => {
  it.each([
    ['get', '/api/tokens'],
    ['put', '/api/tokens'],
    ['post', '/api/tokens/1'],
    ['get', '/api/tokens/%E0%A4%A'],
  ] as const)('when %s %s, then a 4xx JSON error', async (method, path) => {
    const response = await request(tokens.url)[method](path);

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    errorBody.parse(response.body);
  });
});
