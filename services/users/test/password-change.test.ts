import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, TokenKeys, type RunningService } from '@microflack/common';
import { basic, bearer, waitFor } from '@microflack/common/testing';
import { USERS_LIMIT_RULES } from '../src/abuse-limits.js';
import { UsersWorld } from './helpers.js';

let world: UsersWorld;
let instance: RunningService;
let other: RunningService;

beforeAll(async () => {
  world = await UsersWorld.create({ MF_RATE_LIMIT_SCALE: '1' });
  instance = await world.start();
  other = await world.start();
});
afterAll(async () => world.close());

function change(id: number, token: string, body: object) {
  return request(instance.url)
    .put(`/api/users/${id}`)
    .set('authorization', bearer(token))
    .send(body);
}

function me(token: string, url = instance.url) {
  return request(url).get('/api/users/me').set('authorization', bearer(token));
}

describe('changing a password', () => {
  it('when current_password is missing, then 400; when it is wrong, then 401 and the password stays', async () => {
    const user = await world.register(instance.url);

    const missing = await change(user.id, user.token, { password: 'a brand new password' });
    const wrong = await change(user.id, user.token, {
      password: 'a brand new password',
      current_password: 'not the password',
    });
    const signIn = await request(instance.url)
      .get('/api/users/me')
      .set('authorization', basic(user.nickname, user.password));

    expect(missing.status).toBe(400);
    expect(wrong.status).toBe(401);
    expect(errorBody.parse(wrong.body).code).toBe('wrong_password');
    expect(signIn.status).toBe(200);
  });

  it('when it changes, then every earlier token of the user is refused by every instance within 1 s, and later ones work', async () => {
    const user = await world.register(instance.url);
    const secondToken = world.keys.sign(user.id).token;

    const changed = await change(user.id, user.token, {
      password: 'a brand new password',
      current_password: user.password,
    });
    const later = world.keys.sign(user.id).token;

    expect(changed.status).toBe(200);
    await waitFor(async () => (await me(secondToken, other.url)).status === 401, {
      timeoutMs: 1000,
      what: 'the old token to be refused elsewhere',
    });
    const old = await me(user.token);
    expect(old.status).toBe(401);
    expect(errorBody.parse(old.body).code).toBe('revoked_token');
    expect((await me(later, other.url)).status).toBe(200);
  });

  it('when a stolen token guesses the current password, then the guesses are limited', async () => {
    const user = await world.register(instance.url);
    const { points } = USERS_LIMIT_RULES.passwordChanges;

    const statuses = [];
    for (let guess = 0; guess < points + 1; guess++) {
      const body = { password: 'a brand new password', current_password: `guess ${guess}` };
      statuses.push((await change(user.id, user.token, body)).status);
    }

    expect(statuses.slice(0, points).every((status) => status === 401)).toBe(true);
    expect(statuses[points]).toBe(429);
  });
});

describe('the development key of earlier releases', () => {
  it('when a token is signed with the key that once shipped in the source, then it is refused', async () => {
    const user = await world.register(instance.url);
    const forged = new TokenKeys('microflack-development-secret-do-not-use', 3600).sign(user.id);

    const response = await me(forged.token);

    expect(response.status).toBe(401);
    expect(errorBody.parse(response.body).code).toBe('invalid_token');
  });
});
