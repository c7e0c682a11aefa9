import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MessagesWorld } from './helpers.js';
import { channelShape, GENERAL, newClient } from './channel-client.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await MessagesWorld.create();
});
afterAll(async () => {
  await world.close();
});

const errorCode = (body: unknown) =>
  z.object({ error: z.string(), code: z.string() }).parse(body).code;

describe('GET /api/channels', () => {
  it('when a new user lists channels, then #general is there and they are in it', async () => {
    const ann = newClient(world);

    const channels = await ann.list();

    expect(channels.find((channel) => channel.id === GENERAL)).toMatchObject({
      name: 'general',
      kind: 'public',
      _links: { self: '/api/channels/1', messages: '/api/messages?channel_id=1' },
    });
  });

  it('when there is no token, then 401', async () => {
    const response = await request(world.app).get('/api/channels');

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('when others have public, private and direct channels, then only the public ones and mine are listed', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const open = await ann.create('list-open');
    const closed = await ann.create('list-closed', { private: true });
    const { channel: dm } = await ann.direct(world.user().id);
    const mine = await bob.create('list-mine', { private: true });

    const ids = (await bob.list()).map((channel) => channel.id);

    expect(ids).toEqual(expect.arrayContaining([GENERAL, open.id, mine.id]));
    expect(ids).not.toContain(closed.id);
    expect(ids).not.toContain(dm.id);
  });
});

describe('POST /api/channels', () => {
  it('when a user creates a channel, then 201 with Location, the creator is a member, and it is broadcast', async () => {
    const ann = newClient(world);

    const response = await ann
      .call('post', '/api/channels')
      .send({ name: '#Create-One', topic: 'about things' });

    const channel = channelShape.parse(response.body);
    expect(response.status).toBe(201);
    expect(response.headers['location']).toBe(`/api/channels/${channel.id}`);
    expect(channel).toMatchObject({ name: 'Create-One', topic: 'about things', kind: 'public' });
    expect(channel.member_ids).toBeUndefined();
    expect(world.channelEvents.updates.at(-1)).toMatchObject({
      id: channel.id,
      name: 'Create-One',
    });
    const secret = await ann.create('create-secret', { private: true });
    expect(secret).toMatchObject({ kind: 'private', member_ids: [ann.user.id] });
  });

  it('when the name is taken in any case, then 409 name_taken', async () => {
    const ann = newClient(world);
    await ann.create('taken-name');

    const response = await ann.call('post', '/api/channels').send({ name: 'TAKEN-name' });

    expect(response.status).toBe(409);
    expect(errorCode(response.body)).toBe('name_taken');
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a name with spaces', { name: 'two words' }],
    ['a name over 80 characters', { name: 'x'.repeat(81) }],
    ['no name', { topic: 'x' }],
    ['a topic over 250 characters', { name: 'long-topic', topic: 'x'.repeat(251) }],
    ['private as a string', { name: 'str-private', private: 'yes' }],
  ])('when the body has %s, then 400 invalid_input', async (_case, body) => {
    const response = await newClient(world).call('post', '/api/channels').send(body);

    expect(response.status).toBe(400);
    expect(errorCode(response.body)).toBe('invalid_input');
  });
});

describe('GET and PUT /api/channels/:id', () => {
  it('when a member renames and sets the topic, then 200, updated_at moves, and it is broadcast', async () => {
    const ann = newClient(world);
    const channel = await ann.create('rename-me');

    const response = await ann
      .call('put', `/api/channels/${channel.id}`)
      .send({ name: 'renamed', topic: 'new topic' });

    expect(response.status).toBe(200);
    const renamed = channelShape.parse(response.body);
    expect(renamed).toMatchObject({ id: channel.id, name: 'renamed', topic: 'new topic' });
    expect(renamed.updated_at).toBeGreaterThanOrEqual(channel.updated_at);
    expect(world.channelEvents.updates.at(-1)).toMatchObject({ id: channel.id, name: 'renamed' });
    const fetched = await ann.call('get', `/api/channels/${channel.id}`);
    expect(channelShape.parse(fetched.body)).toMatchObject({ name: 'renamed' });
  });

  it('when the new name is taken, then 409; #general and a direct channel cannot be renamed', async () => {
    const ann = newClient(world);
    await ann.create('first-name');
    const second = await ann.create('second-name');
    const { channel: dm } = await ann.direct(world.user().id);

    const taken = await ann.call('put', `/api/channels/${second.id}`).send({ name: 'First-Name' });
    const general = await ann.call('put', `/api/channels/${GENERAL}`).send({ name: 'lobby' });
    const direct = await ann.call('put', `/api/channels/${dm.id}`).send({ name: 'ours' });
    const topic = await ann.call('put', `/api/channels/${dm.id}`).send({ topic: 'just us' });

    expect([taken.status, errorCode(taken.body)]).toEqual([409, 'name_taken']);
    expect([general.status, errorCode(general.body)]).toEqual([400, 'name_fixed']);
    expect([direct.status, errorCode(direct.body)]).toEqual([400, 'name_fixed']);
    expect(topic.status).toBe(200);
  });

  it('when a non-member changes a public channel, then 403 not_a_member; after joining, 200', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const channel = await ann.create('members-change');

    const refused = await bob.call('put', `/api/channels/${channel.id}`).send({ topic: 'mine' });
    await bob.join(channel.id);
    const allowed = await bob.call('put', `/api/channels/${channel.id}`).send({ topic: 'mine' });

    expect([refused.status, errorCode(refused.body)]).toEqual([403, 'not_a_member']);
    expect(allowed.status).toBe(200);
  });

  it('when the channel does not exist or the body is empty, then 404 or 400', async () => {
    const ann = newClient(world);

    const missing = await ann.call('get', '/api/channels/999999');
    const badId = await ann.call('get', '/api/channels/abc');
    const empty = await ann.call('put', `/api/channels/${GENERAL}`).send({});

    expect([missing.status, errorCode(missing.body)]).toEqual([404, 'channel_not_found']);
    expect(badId.status).toBe(400);
    expect(empty.status).toBe(400);
  });
});

describe('members', () => {
  it('when a user joins and leaves a public channel, then 204 each time, twice too, and the list follows', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const channel = await ann.create('join-leave');

    await bob.join(channel.id);
    await bob.join(channel.id);
    const posted = await bob.post(channel.id, 'joined');
    const left = await bob.call('delete', `/api/channels/${channel.id}/members/me`);
    const again = await bob.call('delete', `/api/channels/${channel.id}/members/me`);
    const after = await bob
      .call('post', '/api/messages')
      .send({ source: 'x', channel_id: channel.id });

    expect(posted).toBeGreaterThan(0);
    expect([left.status, again.status]).toEqual([204, 204]);
    expect([after.status, errorCode(after.body)]).toEqual([403, 'not_a_member']);
  });

  it('when a user leaves #general or a direct channel, then 409 cannot_leave', async () => {
    const ann = newClient(world);
    const { channel: dm } = await ann.direct(world.user().id);

    const general = await ann.call('delete', `/api/channels/${GENERAL}/members/me`);
    const direct = await ann.call('delete', `/api/channels/${dm.id}/members/me`);

    expect([general.status, errorCode(general.body)]).toEqual([409, 'cannot_leave']);
    expect([direct.status, errorCode(direct.body)]).toEqual([409, 'cannot_leave']);
  });

  it('when a member adds someone to a private channel, then they see it, read it and post in it', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const channel = await ann.create('invite-only', { private: true });
    await ann.post(channel.id, 'before bob');

    await ann.add(channel.id, bob.user.id);

    expect(await bob.find(channel.id)).toMatchObject({
      member_ids: [ann.user.id, bob.user.id].sort((a, b) => a - b),
      unread: 1,
    });
    expect(await bob.post(channel.id, 'hi')).toBeGreaterThan(0);
    expect(world.channelEvents.updates.at(-1)?.member_ids).toContain(bob.user.id);
  });

  it('when someone is added to a direct channel, then 400 direct_channel; to #general, 204', async () => {
    const ann = newClient(world);
    const { channel: dm } = await ann.direct(world.user().id);

    const direct = await ann.call('post', `/api/channels/${dm.id}/members`).send({ user_id: 77 });
    await ann.add(GENERAL, world.user().id);

    expect([direct.status, errorCode(direct.body)]).toEqual([400, 'direct_channel']);
  });
});

describe('POST /api/channels/direct', () => {
  it('when a user opens a DM twice and the other user opens it back, then one channel: 201, then 200', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];

    const first = await ann.direct(bob.user.id);
    const second = await ann.direct(bob.user.id);
    const back = await bob.direct(ann.user.id);

    expect(first.status).toBe(201);
    expect([second.status, back.status]).toEqual([200, 200]);
    expect(second.channel.id).toBe(first.channel.id);
    expect(back.channel.id).toBe(first.channel.id);
    expect(first.channel).toMatchObject({
      name: null,
      kind: 'direct',
      member_ids: [ann.user.id, bob.user.id],
    });
  });

  it('when both users open their DM at the same moment, then both get the one channel', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];

    const answers = await Promise.all([
      ann.direct(bob.user.id),
      bob.direct(ann.user.id),
      ann.direct(bob.user.id),
      bob.direct(ann.user.id),
    ]);

    expect(new Set(answers.map(({ channel }) => channel.id)).size).toBe(1);
    expect(answers.filter(({ status }) => status === 201)).toHaveLength(1);
    const stored = await world.pool.query(
      `SELECT count(*)::int AS n FROM channels WHERE kind = 'direct' AND direct_low = $1`,
      [ann.user.id],
    );
    expect(stored.rows).toEqual([{ n: 1 }]);
  });

  it('when a user opens a DM with themselves or a bad id, then 400', async () => {
    const ann = newClient(world);

    const self = await ann.call('post', '/api/channels/direct').send({ user_id: ann.user.id });
    const bad = await ann.call('post', '/api/channels/direct').send({ user_id: '2' });

    expect([self.status, errorCode(self.body)]).toEqual([400, 'direct_with_self']);
    expect([bad.status, errorCode(bad.body)]).toEqual([400, 'invalid_input']);
  });
});

describe('read pointers, unread and mentions', () => {
  it('when others post, then they are unread; moving the read pointer counts down, never back', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const channel = await ann.create('unread-counts');
    await bob.join(channel.id);
    const ids = [
      await bob.post(channel.id, 'one'),
      await bob.post(channel.id, 'two'),
      await bob.post(channel.id, 'three'),
    ];
    await ann.post(channel.id, 'my own is never unread');

    expect((await ann.find(channel.id)).unread).toBe(3);
    await ann.read(channel.id, ids[1] ?? 0);
    expect((await ann.find(channel.id)).unread).toBe(1);
    await ann.read(channel.id, ids[0] ?? 0);
    expect((await ann.find(channel.id)).unread).toBe(1);
    const got = await ann.call('get', `/api/channels/${channel.id}`);
    expect(channelShape.parse(got.body).unread).toBe(1);
  });

  it('when the message is not in the channel, or the reader is not a member, then 404 or 403', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const channel = await ann.create('read-checks');
    const elsewhere = await ann.post(GENERAL, 'in general');

    const wrong = await ann
      .call('put', `/api/channels/${channel.id}/read`)
      .send({ message_id: elsewhere });
    const outsider = await bob
      .call('put', `/api/channels/${channel.id}/read`)
      .send({ message_id: elsewhere });
    const bad = await ann.call('put', `/api/channels/${channel.id}/read`).send({});

    expect([wrong.status, errorCode(wrong.body)]).toEqual([404, 'message_not_found']);
    expect([outsider.status, errorCode(outsider.body)]).toEqual([403, 'not_a_member']);
    expect(bad.status).toBe(400);
  });

  it('when #general is read, then its pointer is kept like any other', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const last = await bob.post(GENERAL, 'hello everyone');

    await ann.read(GENERAL, last);

    expect((await ann.find(GENERAL)).unread).toBe(0);
    await bob.post(GENERAL, 'again');
    expect((await ann.find(GENERAL)).unread).toBe(1);
  });

  it('when others mention my nickname, then unread mentions count them (any case), until read or edited away', async () => {
    const [ann, bob] = [newClient(world), newClient(world)];
    const channel = await ann.create('mention-counts');
    await bob.join(channel.id);
    await bob.post(channel.id, 'hi @ann, look');
    const second = await bob.post(channel.id, 'and @ANN. again');
    await bob.post(channel.id, 'not @annie nor ann@example.com');

    expect(await ann.find(channel.id, 'Ann')).toMatchObject({ unread: 3, mentions: 2 });
    expect((await ann.find(channel.id)).mentions).toBe(0);

    await bob.call('put', `/api/messages/${second}`).send({ source: 'and you again' }).expect(200);
    expect((await ann.find(channel.id, 'ann')).mentions).toBe(1);
    await ann.read(channel.id, second);
    expect(await ann.find(channel.id, 'ann')).toMatchObject({ unread: 1, mentions: 0 });
  });

  it('when the nickname is malformed, then 400', async () => {
    const response = await newClient(world).call('get', '/api/channels?nickname=a%20b');

    expect(response.status).toBe(400);
  });
});
