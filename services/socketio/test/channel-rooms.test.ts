import { nextEvent } from '@microflack/common/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PostAck } from '../src/events.js';
import { broadcastOf, messageOf, post } from './chat-client.js';
import { useTwoInstances, type ChatClient, type TestUser } from './world.js';

const { world, balancer, one, two } = useTwoInstances();

const channelBody = z.object({ id: z.number() });
const errorShape = z.object({ error: z.string(), code: z.string() });
const messageEvent = z.object({ class: z.literal('Message'), model: z.object({ id: z.number() }) });

/** A request to the API through the balancer, as `user`. */
async function api(
  user: TestUser | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; type: string | null }> {
  const response = await fetch(`${balancer().url}${path}`, {
    method,
    headers: {
      ...(user ? { authorization: `Bearer ${user.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    type: response.headers.get('content-type'),
  };
}

/** Creates a channel as `user`; returns its id. */
async function createChannel(user: TestUser, name: string, isPrivate: boolean): Promise<number> {
  const answer = await api(user, 'POST', '/api/channels', { name, private: isPrivate });
  expect(answer.status).toBe(201);
  return channelBody.parse(answer.body).id;
}

/** The direct channel of two users; returns its id. */
async function directChannel(user: TestUser, other: TestUser): Promise<number> {
  const answer = await api(user, 'POST', '/api/channels/direct', { user_id: other.id });
  expect([200, 201]).toContain(answer.status);
  return channelBody.parse(answer.body).id;
}

/** `post_message` in a channel; must succeed. Returns the message id. */
async function postIn(client: ChatClient, channelId: number, source: string): Promise<number> {
  const ack = await new Promise<PostAck>((resolve) => {
    client.emit('post_message', { source, channel_id: channelId }, undefined, resolve);
  });
  return messageOf(ack).id;
}

/** Every event a client is told, in order, as `[event, payload]`. */
function record(client: ChatClient): unknown[][] {
  const heard: unknown[][] = [];
  client.onAny((event: string, ...args: unknown[]) => heard.push([event, ...args]));
  return heard;
}

/** Whether an event names channel `channelId` (a message in it, the channel, typing in it). */
function fromChannel(channelId: number) {
  const shaped = z.looseObject({
    model: z.looseObject({ id: z.number(), channel_id: z.number().optional() }).optional(),
    class: z.string().optional(),
    channel_id: z.number().optional(),
  });
  return ([, payload]: unknown[]): boolean => {
    const parsed = shaped.safeParse(payload);
    if (!parsed.success) return false;
    const { model, channel_id } = parsed.data;
    if (channel_id === channelId || model?.channel_id === channelId) return true;
    return parsed.data.class === 'Channel' && model?.id === channelId;
  };
}

/**
 * A #general post by `poster` that every listed client receives: whatever a channel event sent
 * before it would have reached them first (one publisher, one subscriber per instance).
 */
async function generalMarker(poster: ChatClient, listeners: ChatClient[]): Promise<void> {
  const source = `marker ${Math.random()}`;
  const heard = Promise.all(listeners.map((client) => broadcastOf(client, source)));
  messageOf(await post(poster, source));
  await heard;
}

describe('/api/channels through the load balancer', () => {
  it('when asked without a token or for a missing channel, then messages answers in JSON', async () => {
    const ann = await world().register('ann');

    const anonymous = await api(undefined, 'GET', '/api/channels');
    const missing = await api(ann, 'GET', '/api/channels/999999');

    expect([anonymous.status, missing.status]).toEqual([401, 404]);
    expect(anonymous.type).toMatch(/^application\/json/);
    // The load balancer's own 404 for an unclaimed /api path is `not_found`: this one is messages'.
    expect(errorShape.parse(missing.body).code).toBe('channel_not_found');
  });
});

describe('channel rooms across two socketio instances', () => {
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let secret: number;
  let dm: number;
  let annOnOne: ChatClient;
  let catOnTwo: ChatClient;
  let bobOnTwo: ChatClient;
  let bobOnOne: ChatClient;
  let anonymousOnOne: ChatClient;

  beforeAll(async () => {
    ann = await world().register('ann');
    bob = await world().register('bob');
    cat = await world().register('cat');
    // Made before anyone connects: the sockets join these rooms on connecting.
    secret = await createChannel(ann, `secret-${ann.id}`, true);
    await api(ann, 'POST', `/api/channels/${secret}/members`, { user_id: cat.id });
    dm = await directChannel(ann, cat);
    annOnOne = await world().clientOn(balancer().url, one(), ann.token);
    catOnTwo = await world().clientOn(balancer().url, two(), cat.token);
    bobOnTwo = await world().clientOn(balancer().url, two(), bob.token);
    bobOnOne = await world().clientOn(balancer().url, one(), bob.token);
    anonymousOnOne = await world().clientOn(balancer().url, one());
  }, 90_000);

  it('when members post in a private channel and a DM, then members on either instance get them and the non-member and anonymous get nothing', async () => {
    const outsiders = [bobOnTwo, bobOnOne, anonymousOnOne].map(record);
    const toCat = [secret, dm].map(
      (channel) =>
        new Promise<unknown>((resolve) =>
          catOnTwo.on('updated_model', (payload) => {
            if (fromChannel(channel)(['updated_model', payload])) resolve(payload);
          }),
        ),
    );

    const inSecret = await postIn(annOnOne, secret, 'in the secret channel');
    const inDm = await postIn(annOnOne, dm, 'just between us');
    const fromCat = await postIn(catOnTwo, dm, 'and back');

    expect(await Promise.all(toCat)).toMatchObject([
      { class: 'Message', model: { id: inSecret, channel_id: secret } },
      { class: 'Message', model: { id: inDm, channel_id: dm } },
    ]);
    expect(fromCat).toBeGreaterThan(inDm);
    await generalMarker(annOnOne, [bobOnTwo, bobOnOne, anonymousOnOne, catOnTwo]);
    for (const heard of outsiders) {
      expect(heard.filter(fromChannel(secret))).toEqual([]);
      expect(heard.filter(fromChannel(dm))).toEqual([]);
      expect(heard.length).toBeGreaterThan(0); // the marker, at least
    }
  });

  it('when a member types in a private channel, then the other member hears it with the channel and the non-member does not', async () => {
    const outsiders = [bobOnTwo, bobOnOne, anonymousOnOne].map(record);
    const heard = nextEvent(catOnTwo, 'typing');

    annOnOne.emit('typing', { channel_id: secret });

    expect(await heard).toEqual([{ user_id: ann.id, nickname: ann.nickname, channel_id: secret }]);
    await generalMarker(annOnOne, [bobOnTwo, bobOnOne, anonymousOnOne]);
    for (const events of outsiders)
      expect(events.filter(([event]) => event === 'typing')).toEqual([]);
  });

  it('when a non-member types or posts in a private channel, then nobody hears it and the post is a 404', async () => {
    const members = [annOnOne, catOnTwo].map(record);

    bobOnTwo.emit('typing', { channel_id: secret });
    const ack = await new Promise((resolve) =>
      bobOnTwo.emit(
        'post_message',
        { source: 'let me in', channel_id: secret },
        undefined,
        resolve,
      ),
    );

    expect(ack).toMatchObject({ code: 'channel_not_found' });
    await generalMarker(annOnOne, [annOnOne, catOnTwo]);
    for (const events of members) {
      expect(events.filter(([event]) => event === 'typing')).toEqual([]);
    }
  });

  it('when a member adds someone on the other instance and they leave again, then their socket joins and leaves the room', async () => {
    const later = await createChannel(ann, `later-${ann.id}`, true);
    const catHeard = record(catOnTwo);
    const bobHeard = record(bobOnTwo);
    const channelUpdate = waitForEvent(catOnTwo, fromChannel(later));

    await api(ann, 'POST', `/api/channels/${later}/members`, { user_id: cat.id });
    await channelUpdate; // the update went to the room after cat's sockets joined it
    const first = await postIn(annOnOne, later, 'welcome, cat');
    await generalMarker(annOnOne, [catOnTwo, bobOnTwo]);
    expect((await api(cat, 'DELETE', `/api/channels/${later}/members/me`)).status).toBe(204);
    const second = await postIn(annOnOne, later, 'cat has gone');
    await generalMarker(annOnOne, [catOnTwo, bobOnTwo]);

    const messageIds = catHeard.filter(fromChannel(later)).flatMap(([, payload]) => {
      const message = messageEvent.safeParse(payload);
      return message.success ? [message.data.model.id] : [];
    });
    expect(messageIds).toEqual([first]);
    expect(messageIds).not.toContain(second);
    expect(bobHeard.filter(fromChannel(later))).toEqual([]);
  });

  it('when a user signs in an anonymous socket with ping_user, then it is in their channels once acked', async () => {
    const socket = await world().clientOn(balancer().url, two());
    const ack = await new Promise((resolve) => socket.emit('ping_user', cat.token, resolve));
    const heard = waitForEvent(socket, fromChannel(secret));

    const id = await postIn(annOnOne, secret, 'for the new socket too');

    expect(ack).toEqual({ ok: true });
    expect(await heard).toMatchObject(['updated_model', { model: { id } }]);
  });
});

/** The next event of `client` that `matches`, within `timeoutMs`. */
function waitForEvent(
  client: ChatClient,
  matches: (event: unknown[]) => boolean,
  timeoutMs = 10_000,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such event in time')), timeoutMs);
    const listener = (event: string, ...args: unknown[]) => {
      if (!matches([event, ...args])) return;
      clearTimeout(timer);
      client.offAny(listener);
      resolve([event, ...args]);
    };
    client.onAny(listener);
  });
}
