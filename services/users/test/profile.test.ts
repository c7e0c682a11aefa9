import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { basic, bearer, uniqueNickname } from '@microflack/common/testing';
import { listenToBroadcasts, userList, userShape, useUsersWorld } from './helpers.js';

const { world, instance } = useUsersWorld();

/** Registers a user through the first instance; it comes back with its password and a token. */
function register(nickname?: string, password?: string) {
  return world().register(instance().url, nickname, password);
}

function list(query = '', authorization?: string) {
  const call = request(instance().url).get(`/api/users${query}`);
  return authorization ? call.set('authorization', authorization) : call;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function idsOf(body: unknown): number[] {
  return userList.parse(body).users.map((user) => user.id);
}

describe('GET /api/users', () => {
  it('when listed, then every user comes ordered by updated_at, then nickname', async () => {
    await register();
    await register();

    const response = await list();

    expect(response.status).toBe(200);
    const listed = userList.parse(response.body).users;
    const ordered = [...listed].sort(
      (a, b) => a.updated_at - b.updated_at || byCodePoint(a.nickname, b.nickname),
    );
    expect(listed.map((user) => user.id)).toEqual(ordered.map((user) => user.id));
    expect(response.text).not.toMatch(/password|\$2[aby]\$/);
  });

  it('when limit and after are given, then the pages walk the whole listing in order, none twice', async () => {
    for (let n = 0; n < 5; n++) await register();
    const whole = idsOf((await list()).body);

    const walked: number[] = [];
    let page = idsOf((await list('?limit=2')).body);
    while (page.length > 0) {
      walked.push(...page);
      page = idsOf((await list(`?limit=2&after=${page.at(-1) ?? 0}`)).body);
    }

    expect(whole.length).toBeGreaterThanOrEqual(5);
    expect(walked).toEqual(whole);
  });

  it('when no limit is given, then a page holds 100 users', async () => {
    const pool = await world().pool();
    await pool.query(
      `INSERT INTO users (nickname, password_hash)
       SELECT 'bulk_' || substr(md5(random()::text), 1, 8) || '_' || n, 'no hash' FROM generate_series(1, 101) n`,
    );

    const page = idsOf((await list()).body);
    const larger = idsOf((await list('?limit=500')).body);
    await pool.query(`DELETE FROM users WHERE password_hash = 'no hash'`);

    expect(page).toHaveLength(100);
    expect(larger.length).toBeGreaterThan(100);
  });

  it.each(['0', '501', 'ten', '-1'])('when limit is %s, then 400', async (limit) => {
    const response = await list(`?limit=${limit}`);

    expect(response.status).toBe(400);
  });

  it('when online=1, then only online users; with updated_since=T, only those updated at or after T', async () => {
    const offline = await register();
    const online = await register();
    await request(instance().url)
      .get('/api/users/me')
      .set('authorization', basic(online.nickname, online.password));
    const since = userShape.parse(
      (await request(instance().url).get(`/api/users/${online.id}`)).body,
    ).updated_at;

    const onlineOnly = await list('?online=1');
    const updatedSince = await list(`?updated_since=${since}`);
    const offlineOnly = await list('?online=0');

    expect(idsOf(onlineOnly.body)).toContain(online.id);
    expect(idsOf(onlineOnly.body)).not.toContain(offline.id);
    expect(idsOf(updatedSince.body)).toEqual([online.id]);
    expect(idsOf(offlineOnly.body)).toContain(offline.id);
    expect(idsOf(offlineOnly.body)).not.toContain(online.id);
  });

  it('when a valid token is given, then 200; when a bad one is, then 401 with the Bearer challenge', async () => {
    const user = await register();

    const good = await list('', bearer(user.token));
    const bad = await list('', bearer(`${user.token}x`));
    const basicScheme = await list('', basic(user.nickname, user.password));

    expect(good.status).toBe(200);
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="microflack"');
    expect(bad.body).toMatchObject({ code: 'invalid_token' });
    expect(basicScheme.status).toBe(401);
  });

  it.each([
    '?online=yes',
    '?online=1&online=0',
    '?updated_since=yesterday',
    '?updated_since=-5',
    '?updated_since=1.5',
    '?updated_since=99999999999999999999',
    "?updated_since=1'%20OR%20'1'='1",
  ])('when the query is %s, then 400 invalid_input', async (query) => {
    const response = await list(query);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_input' });
  });
});

describe('GET /api/users/:id', () => {
  it('when the user exists, then 200 with the user', async () => {
    const user = await register();

    const response = await request(instance().url).get(`/api/users/${user.id}`);

    expect(response.status).toBe(200);
    expect(userShape.parse(response.body)).toMatchObject({ id: user.id, nickname: user.nickname });
  });

  it('when there is no such user, then 404', async () => {
    const response = await request(instance().url).get('/api/users/999999');

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '01', '99999999999', '1%20OR%201=1'])(
    'when the id is %s, then 400 invalid_input',
    async (id) => {
      const response = await request(instance().url).get(`/api/users/${id}`);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'invalid_input' });
    },
  );

  it('when a bad token is given, then 401', async () => {
    const user = await register();

    const response = await request(instance().url)
      .get(`/api/users/${user.id}`)
      .set('authorization', 'Bearer not.a.jwt');

    expect(response.status).toBe(401);
  });
});

describe('PUT /api/users/:id', () => {
  it("when one changes one's own nickname, then 200, the change is broadcast, and the new nickname signs in", async () => {
    const broadcasts = await listenToBroadcasts(world());
    const user = await register();
    const renamed = uniqueNickname('Renamed');

    const response = await request(instance().url)
      .put(`/api/users/${user.id}`)
      .set('authorization', bearer(user.token))
      .send({ nickname: renamed });

    expect(response.status).toBe(200);
    const updated = userShape.parse(response.body);
    expect(updated.nickname).toBe(renamed);
    await expect.poll(() => broadcasts.userUpdates(user.id).at(-1)).toEqual(updated);
    const signIn = await request(instance().url)
      .get('/api/users/me')
      .set('authorization', basic(renamed, user.password));
    expect(signIn.status).toBe(200);
  });

  it("when one changes one's password, then only the new password signs in", async () => {
    const user = await register();

    const response = await request(instance().url)
      .put(`/api/users/${user.id}`)
      .set('authorization', bearer(user.token))
      .send({ password: 'a brand new password', current_password: user.password });
    const withOld = await request(instance().url)
      .get('/api/users/me')
      .set('authorization', basic(user.nickname, user.password));
    const withNew = await request(instance().url)
      .get('/api/users/me')
      .set('authorization', basic(user.nickname, 'a brand new password'));

    expect(response.status).toBe(200);
    expect(response.text).not.toMatch(/password|\$2[aby]\$/);
    expect([withOld.status, withNew.status]).toEqual([401, 200]);
  });

  it("when one only changes the case of one's nickname, then 200", async () => {
    const user = await register(uniqueNickname('case'));

    const response = await request(instance().url)
      .put(`/api/users/${user.id}`)
      .set('authorization', bearer(user.token))
      .send({ nickname: user.nickname.toUpperCase() });

    expect(response.status).toBe(200);
  });

  it('when the user is someone else, then 403 and nothing changes', async () => {
    const me = await register();
    const other = await register();

    const response = await request(instance().url)
      .put(`/api/users/${other.id}`)
      .set('authorization', bearer(me.token))
      .send({ nickname: uniqueNickname() });

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'forbidden' });
    const after = await request(instance().url).get(`/api/users/${other.id}`);
    expect(after.body).toMatchObject({ nickname: other.nickname });
  });

  it('when the nickname is taken in any case, then 409', async () => {
    const me = await register();
    const other = await register();

    const response = await request(instance().url)
      .put(`/api/users/${me.id}`)
      .set('authorization', bearer(me.token))
      .send({ nickname: other.nickname.toUpperCase() });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'nickname_taken' });
  });

  it.each<[string, object]>([
    ['empty', {}],
    ['an invalid nickname', { nickname: 'no spaces allowed' }],
    ['a short password', { password: 'short' }],
    ['a numeric nickname', { nickname: 7 }],
    ['only read-only and unknown fields', { online: true, id: 1, admin: true }],
    ['null fields', { nickname: null }],
  ])('when the change is %s, then 400 and nothing changes', async (_what, body) => {
    const me = await register();

    const response = await request(instance().url)
      .put(`/api/users/${me.id}`)
      .set('authorization', bearer(me.token))
      .send(body);

    expect(response.status).toBe(400);
    const after = userShape.parse((await request(instance().url).get(`/api/users/${me.id}`)).body);
    expect(after.updated_at).toBe(me.updated_at);
  });

  it('when there is no token, or Basic credentials instead, then 401 with the Bearer challenge', async () => {
    const me = await register();

    const none = await request(instance().url).put(`/api/users/${me.id}`).send({ nickname: 'x' });
    const withBasic = await request(instance().url)
      .put(`/api/users/${me.id}`)
      .set('authorization', basic(me.nickname, me.password))
      .send({ nickname: 'x' });

    expect([none.status, withBasic.status]).toEqual([401, 401]);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="microflack"');
    expect(withBasic.headers['www-authenticate']).toBe('Bearer realm="microflack"');
  });

  it('when the id is not a number, then 400', async () => {
    const me = await register();

    const response = await request(instance().url)
      .put('/api/users/abc')
      .set('authorization', bearer(me.token))
      .send({ nickname: uniqueNickname() });

    expect(response.status).toBe(400);
  });
});
