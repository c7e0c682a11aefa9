import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, type RunningService } from '@microflack/common';
import { basic, bearer, randomAddress, uniqueNickname } from '@microflack/common/testing';
import { USERS_LIMIT_RULES } from '../src/abuse-limits.js';
import { UsersWorld } from './helpers.js';

let world: UsersWorld;
let instance: RunningService;

beforeAll(async () => {
  // The limits as deployed: this file attacks them.
  world = await UsersWorld.create({ MF_RATE_LIMIT_SCALE: '1' });
  instance = await world.start();
});
afterAll(async () => world.close());

function signUp(address: string, url = instance.url) {
  return request(url)
    .post('/api/users')
    .set('x-forwarded-for', address)
    .send({ nickname: uniqueNickname('flood'), password: 'password1' });
}

function signIn(nickname: string, password: string, address: string) {
  return request(instance.url)
    .get('/api/users/me')
    .set('x-forwarded-for', address)
    .set('authorization', basic(nickname, password));
}

describe('abuse limits of users', () => {
  it('when one address registers past its allowance at once, then the rest are 429 with Retry-After, and other addresses still register', async () => {
    const { points } = USERS_LIMIT_RULES.registrations;
    const attacker = randomAddress();
    const other = await world.start();

    const burst = await Promise.all(
      Array.from({ length: points + 30 }, (_, n) =>
        signUp(attacker, n % 2 ? other.url : undefined),
      ),
    );
    const elsewhere = await signUp(randomAddress());

    const statuses = burst.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(points);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    const limited = burst.find((response) => response.status === 429);
    expect(errorBody.parse(limited?.body).code).toBe('too_many_requests');
    expect(limited?.headers['retry-after']).toMatch(/^\d+$/);
    expect(elsewhere.status).toBe(201);
  });

  it('when an attacker fails sign-ins from one address, then that address is refused while the user still signs in from theirs', async () => {
    const user = await world.register(instance.url);
    const attacker = randomAddress();

    const guesses = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      guesses.push((await signIn(user.nickname, 'wrong password', attacker)).status);
    }
    const owner = await signIn(user.nickname, user.password, randomAddress());

    expect(guesses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expect(owner.status).toBe(200);
  });

  it('when failures for one nickname come from many addresses, then its ceiling stops them all', async () => {
    const user = await world.register(instance.url);
    const { points } = USERS_LIMIT_RULES.signInFailuresPerNickname;

    const statuses = [];
    for (let attempt = 0; attempt < points + 2; attempt++) {
      statuses.push((await signIn(user.nickname, 'wrong password', randomAddress())).status);
    }

    expect(statuses.slice(0, points).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(points)).toEqual([429, 429]);
  });

  it('when presence changes come faster than allowed, then the surplus is 429', async () => {
    const user = await world.register(instance.url);
    const { points } = USERS_LIMIT_RULES.presenceChanges;

    const statuses = [];
    for (let change = 0; change < points + 1; change++) {
      const call =
        change % 2
          ? request(instance.url).delete('/api/users/me')
          : request(instance.url).put('/api/users/me');
      statuses.push((await call.set('authorization', bearer(user.token))).status);
    }

    expect(statuses.slice(0, points).every((status) => status === 204)).toBe(true);
    expect(statuses[points]).toBe(429);
  });
});

describe('the bcrypt budget', () => {
  it('when more hashes are asked at once than an instance holds, then the surplus is answered at once with 503 busy, and nothing else fails', async () => {
    const busy = await world.start({ USERS_BCRYPT_MAX_PENDING: 2, BCRYPT_COST: 10 });

    const burst = await Promise.all(
      Array.from({ length: 12 }, () => signUp(randomAddress(), busy.url)),
    );

    const statuses = burst.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 503)).toBe(true);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(2);
    const refused = burst.find((response) => response.status === 503);
    expect(errorBody.parse(refused?.body).code).toBe('busy');
    expect(refused?.headers['retry-after']).toBe('1');
  });
});
