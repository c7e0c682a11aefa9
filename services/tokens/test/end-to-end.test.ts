import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, randomAddress, uniqueNickname, waitFor } from '@microflack/common/testing';
import { startTestPlatform, type TestBalancer } from '@microflack/haproxy/testing';
import { issuedShape, TokensWorld } from './helpers.js';

// Everything through a private HAProxy that follows this test's registry prefix, as in production:
// the client calls the balancer, and tokens calls users through the balancer too.
let world: TokensWorld;
let balancer: TestBalancer;

beforeAll(async () => {
  const started = await startTestPlatform({ MF_RATE_LIMIT_SCALE: '1' });
  balancer = started.balancer;
  world = await TokensWorld.create(started.platform);
  await world.start({ MF_BALANCER_URL: balancer.url });
  // Both answer only once HAProxy has them as servers passing their health checks.
  const routed = (method: string, path: string, status: number) =>
    waitFor(async () => (await fetch(`${balancer.url}${path}`, { method })).status === status, {
      timeoutMs: 10_000,
      what: `${method} ${path} to answer ${status} through the balancer`,
    });
  await routed('GET', '/api/users', 200);
  await routed('POST', '/api/tokens', 401);
}, 30_000);
afterAll(async () => world.close()); // the balancer stops with the platform

describe('users and tokens through the load balancer', () => {
  it('when one registers, gets a token and asks who one is, then every step works end to end', async () => {
    const nickname = uniqueNickname('e2e');
    const viaBalancer = request(balancer.url);

    const registered = await viaBalancer
      .post('/api/users')
      .send({ nickname, password: 'password1' });
    const issued = await viaBalancer
      .post('/api/tokens')
      .set('authorization', basic(nickname, 'password1'));
    const { token } = issuedShape.parse(issued.body);
    const me = await viaBalancer.get('/api/users/me').set('authorization', `Bearer ${token}`);

    expect(registered.status).toBe(201);
    expect(registered.headers['location']).toMatch(/^\/api\/users\/\d+$/);
    expect(issued.status).toBe(200);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ nickname, online: true });
  });

  it('when the credentials are wrong, then tokens answers 401 through the balancer', async () => {
    const response = await request(balancer.url)
      .post('/api/tokens')
      .set('authorization', basic(uniqueNickname('nobody'), 'password1'));

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
  });

  it('when a token is revoked through the balancer, then users refuses it within 1 s', async () => {
    const nickname = uniqueNickname('e2e');
    const viaBalancer = request(balancer.url);
    await viaBalancer.post('/api/users').send({ nickname, password: 'password1' });
    const issued = await viaBalancer
      .post('/api/tokens')
      .set('authorization', basic(nickname, 'password1'));
    const { token } = issuedShape.parse(issued.body);

    const revoked = await viaBalancer.delete('/api/tokens').set('authorization', `Bearer ${token}`);
    const status = async () =>
      (await viaBalancer.get('/api/users/me').set('authorization', `Bearer ${token}`)).status;
    await expect.poll(status, { timeout: 1000, interval: 20 }).toBe(401);

    expect(revoked.status).toBe(204);
  });

  it('when an attacker fails sign-ins through the balancer, then their address is refused while the owner still gets a token from theirs', async () => {
    const nickname = uniqueNickname('e2e');
    const viaBalancer = request(balancer.url);
    await viaBalancer
      .post('/api/users')
      .set('x-forwarded-for', randomAddress())
      .send({ nickname, password: 'password1' });
    const attacker = randomAddress();
    const attempt = (password: string, address: string) =>
      viaBalancer
        .post('/api/tokens')
        .set('x-forwarded-for', address)
        .set('authorization', basic(nickname, password));

    const guesses = [];
    for (let guess = 0; guess < 6; guess++)
      guesses.push((await attempt('wrong one', attacker)).status);
    const owner = await attempt('password1', randomAddress());

    expect(guesses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(owner.status).toBe(200);
  });

  it('when Basic credentials grow up to the balancer header limit, then tokens never answers 5xx', async () => {
    const viaBalancer = request(balancer.url);
    const statuses: number[] = [];

    // Around 15 KB the client's header still fits HAProxy's buffer but a copy passed on to users
    // with the headers added on the way would not.
    for (let size = 14_000; size <= 15_600; size += 100) {
      const header = basic(uniqueNickname('big'), 'p'.repeat(Math.floor((size * 3) / 4)));
      statuses.push((await viaBalancer.post('/api/tokens').set('authorization', header)).status);
    }

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses).toContain(401);
  });

  it('when no users instance is left, then tokens answers 503 users_unavailable', async () => {
    await world.users.stop();

    const response = await request(balancer.url)
      .post('/api/tokens')
      .set('authorization', basic('ann', 'password1'));

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'users_unavailable' });
  });
});
