import { connectRedis, type RunningService } from '@microflack/common';
import { nextEvent, silentLogger, startPrivateRedis, waitFor } from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SOCKETIO_LIMIT_RULES } from '../src/abuse-limits.js';
import type { PingAck, PostAck } from '../src/events.js';
import { ping, post } from './chat-client.js';
import { ChatWorld, type ChatClient, type TestUser } from './world.js';

let world: ChatWorld;
let a: RunningService;
let b: RunningService;

beforeAll(async () => {
  // socketio's limits as deployed: this file attacks them.
  world = await ChatWorld.create(undefined, { MF_RATE_LIMIT_SCALE: '1' });
  a = await world.startSocketio();
  b = await world.startSocketio();
});
afterAll(async () => {
  await world.close();
});

const refusal = { error: expect.stringMatching(/^Too many/) as unknown, code: 'rate_limited' };
const perSocketPings = SOCKETIO_LIMIT_RULES.perSocket.ping_user.points;
const perUserPings = SOCKETIO_LIMIT_RULES.perUser.ping_user.points;

/**
 * Sockets of `user`, taking turns among the instances at `urls`: enough that together they can
 * pass the user's ping limit while each stays within its own.
 */
async function pingSockets(chat: ChatWorld, urls: string[], user: TestUser): Promise<ChatClient[]> {
  const sockets: ChatClient[] = [];
  for (let n = 0; n * perSocketPings <= perUserPings; n++) {
    sockets.push(
      await chat.client(urls[n % urls.length] ?? chat.config.MF_BALANCER_URL, user.token),
    );
  }
  return sockets;
}

/** Every socket pings as often as its own limit allows: together past the user's limit. */
async function pingPastUserLimit(sockets: ChatClient[]): Promise<PingAck[]> {
  const acks = await Promise.all(
    sockets.map((socket) => atOnce(perSocketPings, () => ping(socket))),
  );
  return acks.flat();
}

/** `times` calls of `send` at once, each answered by its ack. */
function atOnce<Ack>(times: number, send: (n: number) => Promise<Ack>): Promise<Ack[]> {
  return Promise.all(Array.from({ length: times }, (_, n) => send(n)));
}

const messageList = z.object({ messages: z.array(z.unknown()) });

const codeOf = (ack: PingAck | PostAck): string => ('code' in ack ? ack.code : 'ok');

describe('abuse limits of socketio', () => {
  it('when an anonymous socket floods ping_user, then past its per-socket limit it is acked rate_limited and stays connected', async () => {
    const { points } = SOCKETIO_LIMIT_RULES.perSocket.ping_user;
    const anonymous = await world.client(a.url);

    const acks = await atOnce(points + 3, () => ping(anonymous));

    expect(acks.map(codeOf)).toEqual([
      ...Array<string>(points).fill('token_required'),
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ]);
    expect(acks.at(-1)).toEqual(refusal);
    expect(anonymous.connected).toBe(true);
  });

  it('when one user pings from sockets on two instances, then past the per-user limit every socket is acked rate_limited', async () => {
    const gus = await world.register('gus');
    const sockets = await pingSockets(world, [a.url, b.url], gus);

    const acks = await pingPastUserLimit(sockets);

    const codes = acks.map(codeOf);
    expect(codes.filter((code) => code === 'ok')).toHaveLength(perUserPings);
    expect(codes.filter((code) => code !== 'ok').every((code) => code === 'rate_limited')).toBe(
      true,
    );
    expect(acks.find((ack) => 'code' in ack)).toEqual(refusal);
    expect(sockets.every((socket) => socket.connected)).toBe(true);
  });

  it('when one user posts from two instances past the per-user limit, then the rest are acked rate_limited and never reach messages', async () => {
    const { points, durationSeconds } = SOCKETIO_LIMIT_RULES.perUser.post_message;
    const hal = await world.register('hal');
    const here = await world.client(a.url, hal.token);
    const there = await world.client(b.url, hal.token);
    const started = Date.now();

    const acks = await atOnce(points + 10, (n) => post(n % 2 ? there : here, `flood ${n}`));

    const windows = 1 + Math.floor((Date.now() - started) / 1000 / durationSeconds);
    const codes = acks.map(codeOf);
    const accepted = codes.filter((code) => code === 'ok').length;
    expect(accepted).toBeGreaterThanOrEqual(points);
    expect(accepted).toBeLessThanOrEqual(points * windows);
    expect(codes.filter((code) => code !== 'ok').every((code) => code === 'rate_limited')).toBe(
      true,
    );
    const stored = await fetch(`${world.config.MF_BALANCER_URL}/api/messages?user_id=${hal.id}`);
    expect(messageList.parse(await stored.json()).messages).toHaveLength(accepted);
  });

  it('when a socket floods events, known or not, then it is disconnected', async () => {
    const { points } = SOCKETIO_LIMIT_RULES.flood;
    const ida = await world.register('ida');
    const flooder = await world.rawClient(a.url, ida.token);
    const bystander = await world.client(a.url, ida.token);
    const gone = nextEvent<[reason: string]>(flooder, 'disconnect');

    for (let n = 0; n <= points; n++) flooder.emit(n % 2 ? 'typing' : 'no_such_event', n);

    const [reason] = await gone;
    expect(reason).toBe('io server disconnect');
    expect(codeOf(await ping(bystander))).toBe('ok');
  });
});

describe('abuse limits of socketio while Redis is away', () => {
  it('when Redis stops, then typing still goes out and a user past the ping limit is still refused (counted in memory)', async () => {
    const redis = await startPrivateRedis();
    // socketio alone on the Redis that stops: users and messages keep theirs.
    const alone = await ChatWorld.create(undefined, {
      MF_RATE_LIMIT_SCALE: '1',
      REDIS_URL: redis.url,
    });
    const instance = await alone.startSocketio();
    const [jan, kim, lee] = [
      await alone.register('jan'),
      await alone.register('kim'),
      await alone.register('lee'),
    ];
    const typist = await alone.client(instance.url, jan.token);
    const watcher = await alone.client(instance.url, kim.token);
    const sockets = await pingSockets(alone, [instance.url], jan);

    await redis.kill();
    const heard = nextEvent(watcher, 'typing');
    typist.emit('typing');
    const typing = await heard;
    const codes = (await pingPastUserLimit(sockets)).map(codeOf);
    await redis.start();
    await untilLimitsInRedis(alone, instance, lee, redis.url);
    await alone.close();
    await redis.kill();

    expect(typing).toEqual([{ user_id: jan.id, nickname: jan.nickname, channel_id: 1 }]);
    expect(codes.filter((code) => code === 'ok')).toHaveLength(perUserPings);
    expect(codes.filter((code) => code !== 'ok').every((code) => code === 'rate_limited')).toBe(
      true,
    );
  });
});

/**
 * Waits until the instance counts `user`'s pings in the Redis at `url` again (so its connections
 * are back and it stops cleanly): each try pings from a fresh socket.
 */
async function untilLimitsInRedis(
  chat: ChatWorld,
  instance: RunningService,
  user: TestUser,
  url: string,
): Promise<void> {
  const probe = await connectRedis(url, silentLogger());
  const key = `${chat.config.MF_ETCD_PREFIX}/limits/${SOCKETIO_LIMIT_RULES.perUser.ping_user.name}:user:${user.id}`;
  await waitFor(
    async () => {
      const socket = await chat.client(instance.url, user.token);
      await ping(socket);
      socket.close();
      return (await probe.exists(key)) === 1;
    },
    { intervalMs: 100, what: 'the per-user limits to be counted in Redis again' },
  );
  probe.disconnect();
}
