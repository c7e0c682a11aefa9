import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { uniqueNickname } from '@microflack/common/testing';
import { listenToBroadcasts, userShape, useUsersWorld } from './helpers.js';

const { world, instance, pool } = useUsersWorld();

async function userCount(): Promise<number> {
  const result = await pool().query<{ count: number }>('SELECT count(*)::int AS count FROM users');
  return result.rows[0]?.count ?? -1;
}

describe('POST /api/users', () => {
  it('when the input is valid, then 201 with the user, its Location, and no password hash', async () => {
    const nickname = uniqueNickname('Ann');

    const response = await request(instance().url)
      .post('/api/users')
      .send({ nickname, password: 'correct horse' });

    expect(response.status).toBe(201);
    const user = userShape.parse(response.body);
    expect(user).toMatchObject({ nickname, online: false });
    expect(response.headers['location']).toBe(`/api/users/${user.id}`);
    expect(user._links).toEqual({
      self: `/api/users/${user.id}`,
      messages: `/api/messages?user_id=${user.id}`,
    });
    expect(response.text).not.toMatch(/password|\$2[aby]\$/);
  });

  it('when a client posts its whole model (read-only and unknown fields too), then they are ignored', async () => {
    const nickname = uniqueNickname('backbone');
    const backboneModel = {
      id: 999_999,
      nickname,
      password: 'correct horse',
      online: true,
      created_at: null,
      updated_at: null,
      last_seen_at: null,
      _links: null,
      admin: true,
    };

    const response = await request(instance().url).post('/api/users').send(backboneModel);

    expect(response.status).toBe(201);
    const user = userShape.parse(response.body);
    expect(user.id).not.toBe(999_999);
    expect(user).toMatchObject({ nickname, online: false });
    expect(response.body).not.toHaveProperty('admin');
  });

  it('when a user registers, then an updated_model broadcast carries the user', async () => {
    const broadcasts = await listenToBroadcasts(world());

    const response = await request(instance().url)
      .post('/api/users')
      .send({ nickname: uniqueNickname(), password: 'correct horse' });

    const user = userShape.parse(response.body);
    await expect.poll(() => broadcasts.userUpdates(user.id)).toEqual([user]);
  });

  it('when the nickname exists in another case, then 409 nickname_taken', async () => {
    const nickname = uniqueNickname('Bob');
    await request(instance().url).post('/api/users').send({ nickname, password: 'password1' });

    const response = await request(instance().url)
      .post('/api/users')
      .send({ nickname: nickname.toUpperCase(), password: 'password2' });

    expect(response.status).toBe(409);
    expect(response.body).toEqual({ error: expect.any(String) as unknown, code: 'nickname_taken' });
  });

  it('when two registrations of one nickname race, then one gets 201 and the other 409', async () => {
    const nickname = uniqueNickname('Racer');
    const before = await userCount();

    const responses = await Promise.all(
      [nickname, nickname.toUpperCase(), nickname.toLowerCase()].map((name) =>
        request(instance().url).post('/api/users').send({ nickname: name, password: 'password1' }),
      ),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([201, 409, 409]);
    expect(await userCount()).toBe(before + 1);
  });

  it('when the password is 8 or 72 bytes, then it is accepted (bytes, not characters)', async () => {
    const seventyTwoBytes = 'é'.repeat(36);

    const short = await request(instance().url)
      .post('/api/users')
      .send({ nickname: uniqueNickname(), password: '12345678' });
    const long = await request(instance().url)
      .post('/api/users')
      .send({ nickname: uniqueNickname(), password: seventyTwoBytes });

    expect([short.status, long.status]).toEqual([201, 201]);
  });

  it('when the nickname is 32 characters of every allowed kind, then it is accepted', async () => {
    const nickname = `A-b.c_${Math.random().toString(36).slice(2, 8)}`.padEnd(32, '9');

    const response = await request(instance().url)
      .post('/api/users')
      .send({ nickname, password: 'password1' });

    expect(response.status).toBe(201);
  });

  const invalidBodies: [string, unknown][] = [
    ['no body', undefined],
    ['null', null],
    ['an array', [{ nickname: 'arr', password: 'password1' }]],
    ['a string', 'nickname=x'],
    ['a number', 42],
    ['no nickname', { password: 'password1' }],
    ['no password', { nickname: 'nopass' }],
    ['an empty nickname', { nickname: '', password: 'password1' }],
    ['a 33-character nickname', { nickname: 'a'.repeat(33), password: 'password1' }],
    ['a nickname with a space', { nickname: 'ann smith', password: 'password1' }],
    ['a nickname with a colon', { nickname: 'ann:x', password: 'password1' }],
    ['an SQL-looking nickname', { nickname: "x'; DROP TABLE users; --", password: 'password1' }],
    ['a unicode nickname', { nickname: 'Zoë', password: 'password1' }],
    ['a Cyrillic lookalike nickname', { nickname: 'аnn', password: 'password1' }],
    ['an emoji nickname', { nickname: '😀', password: 'password1' }],
    ['a zero-width nickname', { nickname: 'ann\u200b', password: 'password1' }],
    ['a nickname with a NUL', { nickname: 'ann\u0000', password: 'password1' }],
    ['a numeric nickname', { nickname: 12345, password: 'password1' }],
    ['a nickname array', { nickname: ['ann'], password: 'password1' }],
    ['a 7-byte password', { nickname: 'shortpw', password: '1234567' }],
    ['a 73-byte password', { nickname: 'longpw', password: 'a'.repeat(73) }],
    ['a 74-byte unicode password', { nickname: 'longpw', password: 'é'.repeat(37) }],
    ['a password with a NUL', { nickname: 'nulpw', password: 'password\u00001' }],
    ['a numeric password', { nickname: 'numpw', password: 12345678 }],
    ['a null password', { nickname: 'nullpw', password: null }],
    ['an object password', { nickname: 'objpw', password: { $ne: '' } }],
  ];

  it.each(invalidBodies)(
    'when the body is %s, then 400 and nothing is stored',
    async (_what, body) => {
      const before = await userCount();

      const response = await request(instance().url)
        .post('/api/users')
        .set('content-type', 'application/json')
        .send(JSON.stringify(body));

      expect(response.status).toBe(400);
      // The JSON parser refuses top-level scalars itself; everything else fails the schema.
      expect(response.body).toEqual({
        error: expect.any(String) as unknown,
        code: expect.stringMatching(/^(invalid_input|malformed_json)$/) as unknown,
      });
      expect(await userCount()).toBe(before);
    },
  );

  it('when the JSON is malformed, then 400 malformed_json and nothing is stored', async () => {
    const before = await userCount();

    const response = await request(instance().url)
      .post('/api/users')
      .set('content-type', 'application/json')
      .send('{"nickname": "ann", "password": ');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'malformed_json' });
    expect(await userCount()).toBe(before);
  });

  it('when the body is over 16 KiB, then 413 and nothing is stored', async () => {
    const before = await userCount();

    const response = await request(instance().url)
      .post('/api/users')
      .send({ nickname: 'huge', password: 'x'.repeat(17 * 1024) });

    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'payload_too_large' });
    expect(await userCount()).toBe(before);
  });

  it('when the body is form-encoded, then it is refused as malformed JSON', async () => {
    const response = await request(instance().url)
      .post('/api/users')
      .type('form')
      .send('nickname=ann&password=password1');

    expect(response.status).toBe(400);
  });

  it('when SQL-looking text is a valid nickname, then it is stored verbatim and harmless', async () => {
    const nickname = `or_1--${Math.random().toString(36).slice(2, 8)}`;

    const response = await request(instance().url)
      .post('/api/users')
      .send({ nickname, password: 'password1' });

    expect(response.status).toBe(201);
    expect(userShape.parse(response.body).nickname).toBe(nickname);
  });
});
