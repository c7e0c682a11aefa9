import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '@microflack/common';
import {
  basic,
  bearer,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
} from '@microflack/common/testing';
import { UsersWorld } from './helpers.js';

let redis: PrivateRedis;
let world: UsersWorld;
let instance: RunningService;

beforeAll(async () => {
  redis = await startPrivateRedis();
  world = await UsersWorld.create({ REDIS_URL: redis.url, MF_RATE_LIMIT_SCALE: '1' });
  instance = await world.start();
});
afterAll(async () => {
  await world.close();
  await redis.kill();
});

describe('users while Redis is away', () => {
  it('when Redis stops, then sign-in and everything else still work and failed sign-ins are still limited (counted in memory)', async () => {
    const user = await world.register(instance.url);

    await redis.kill();
    const signIn = await request(instance.url)
      .get('/api/users/me')
      .set('authorization', basic(user.nickname, user.password));
    const withToken = await request(instance.url)
      .get('/api/users/me')
      .set('authorization', bearer(user.token));
    const registered = await request(instance.url)
      .post('/api/users')
      .send({ nickname: `${user.nickname}2`.slice(-32), password: 'password1' });
    const guesses = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const guess = await request(instance.url)
        .get('/api/users/me')
        .set('authorization', basic(user.nickname, 'wrong password'));
      guesses.push(guess.status);
    }
    await redis.start();
    await waitFor(
      async () => {
        const response = await request(instance.url)
          .get('/api/users/me')
          .set('x-forwarded-for', '198.18.0.1')
          .set('authorization', basic(user.nickname, user.password));
        return response.status === 200;
      },
      { timeoutMs: 2000, what: 'sign-in to work again after Redis returned' },
    );

    expect(signIn.status).toBe(200);
    expect(guesses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(withToken.status).toBe(200);
    expect(registered.status).toBe(201);
  });
});
