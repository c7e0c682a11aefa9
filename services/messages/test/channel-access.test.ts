import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MessagesWorld, messageList, messageShape } from './helpers.js';
import { newClient, type ChannelClient } from './channel-client.js';

let world: MessagesWorld;
/** Members of the private channel and of the DM, and someone in neither. */
let ann: ChannelClient;
let bob: ChannelClient;
let eve: ChannelClient;
const hidden: Record<'private' | 'direct', { channel: number; message: number }> = {
  private: { channel: 0, message: 0 },
  direct: { channel: 0, message: 0 },
};

beforeAll(async () => {
  world = await MessagesWorld.create();
  [ann, bob, eve] = [newClient(world), newClient(world), newClient(world)];
  const secret = await ann.create('access-secret', { private: true });
  await ann.add(secret.id, bob.user.id);
  hidden.private = { channel: secret.id, message: await bob.post(secret.id, 'secret') };
  const { channel: dm } = await ann.direct(bob.user.id);
  hidden.direct = { channel: dm.id, message: await bob.post(dm.id, 'between us') };
});
afterAll(async () => {
  await world.close();
});

type Method = 'get' | 'post' | 'put' | 'delete';
type Target = { channel: number; message: number };

/** Every route that names a channel or one of its messages, and a body that is otherwise valid. */
const routes: [string, Method, (t: Target) => string, (t: Target) => object][] = [
  ['GET channel', 'get', (t) => `/api/channels/${t.channel}`, () => ({})],
  ['PUT channel', 'put', (t) => `/api/channels/${t.channel}`, () => ({ topic: 'mine now' })],
  ['PUT members/me', 'put', (t) => `/api/channels/${t.channel}/members/me`, () => ({})],
  ['DELETE members/me', 'delete', (t) => `/api/channels/${t.channel}/members/me`, () => ({})],
  ['POST members', 'post', (t) => `/api/channels/${t.channel}/members`, () => ({ user_id: 5 })],
  ['PUT read', 'put', (t) => `/api/channels/${t.channel}/read`, (t) => ({ message_id: t.message })],
  ['GET latest', 'get', (t) => `/api/messages?channel_id=${t.channel}`, () => ({})],
  [
    'GET before',
    'get',
    (t) => `/api/messages?channel_id=${t.channel}&before=${t.message + 1}`,
    () => ({}),
  ],
  [
    'GET updated_since',
    'get',
    (t) => `/api/messages?channel_id=${t.channel}&updated_since=0`,
    () => ({}),
  ],
  ['GET cursor', 'get', (t) => `/api/messages?channel_id=${t.channel}&cursor=0.0`, () => ({})],
  ['POST message', 'post', () => '/api/messages', (t) => ({ source: 'hi', channel_id: t.channel })],
  ['GET message', 'get', (t) => `/api/messages/${t.message}`, () => ({})],
  ['PUT message', 'put', (t) => `/api/messages/${t.message}`, () => ({ source: 'changed' })],
  ['DELETE message', 'delete', (t) => `/api/messages/${t.message}`, () => ({})],
];

const cases = (['private', 'direct'] as const).flatMap((kind) =>
  routes.map(([name, method, path, body]) => ({ kind, name, method, path, body })),
);

describe('a channel a user may not see', () => {
  it.each(cases)(
    'when a non-member calls $name of a $kind channel, then 404, never 403',
    async ({ kind, method, path, body }) => {
      const target = hidden[kind];

      const response = await eve.call(method, path(target)).send(body(target));

      expect(response.status).toBe(404);
      expect(z.object({ code: z.string() }).parse(response.body).code).toMatch(/_not_found$/);
    },
  );

  it.each(cases.filter(({ method, name }) => method === 'get' && name !== 'GET channel'))(
    'when an anonymous client calls $name of a $kind channel, then 404',
    async ({ kind, path }) => {
      const response = await request(world.app).get(path(hidden[kind]));

      expect(response.status).toBe(404);
    },
  );

  it('when a non-member lists channels or pages #general, then nothing of the hidden channels shows', async () => {
    const ids = (await eve.list()).map((channel) => channel.id);
    const page = await eve.call('get', '/api/messages?updated_since=0&limit=500');

    expect(ids).not.toContain(hidden.private.channel);
    expect(ids).not.toContain(hidden.direct.channel);
    const messages = messageList.parse(page.body).messages.map((message) => message.id);
    expect(messages).not.toContain(hidden.private.message);
    expect(messages).not.toContain(hidden.direct.message);
  });

  it('when a member reads them, then 200 with the messages of that channel', async () => {
    for (const { channel, message } of Object.values(hidden)) {
      const page = await ann.call('get', `/api/messages?channel_id=${channel}`);
      const one = await ann.call('get', `/api/messages/${message}`);

      expect(messageList.parse(page.body).messages.map((each) => each.id)).toEqual([message]);
      expect(messageShape.parse(one.body).channel_id).toBe(channel);
    }
  });

  it('when the author is removed from the private channel, then their own message is a 404 to them', async () => {
    const [carl, dora] = [newClient(world), newClient(world)];
    const room = await carl.create('leave-then-edit', { private: true });
    await carl.add(room.id, dora.user.id);
    const message = await dora.post(room.id, 'mine');

    await dora.call('delete', `/api/channels/${room.id}/members/me`).expect(204);
    const edit = await dora.call('put', `/api/messages/${message}`).send({ source: 'x' });
    const read = await dora.call('get', `/api/messages/${message}`);

    expect([edit.status, read.status]).toEqual([404, 404]);
  });
});

describe('a public channel', () => {
  it('when a non-member or an anonymous client reads it, then 200; posting needs membership (403)', async () => {
    const room = await ann.create('access-public');
    const message = await ann.post(room.id, 'open to all');

    const anonymous = await request(world.app).get(`/api/messages?channel_id=${room.id}`);
    const one = await eve.call('get', `/api/messages/${message}`);
    const post = await eve.call('post', '/api/messages').send({ source: 'x', channel_id: room.id });

    expect(messageList.parse(anonymous.body).messages.map((each) => each.id)).toEqual([message]);
    expect(one.status).toBe(200);
    expect(post.status).toBe(403);
  });
});
