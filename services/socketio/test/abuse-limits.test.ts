import type { RunningService } from '@microflack/common';
import { nextEvent } from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SOCKETIO_LIMIT_RULES } from '../src/abuse-limits.js';
import type { PingAck, PostAck } from '../src/events.js';
import { ping, post } from './chat-client.js';
import { ChatWorld, type ChatClient } from './world.js';

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
    const { points } = SOCKETIO_LIMIT_RULES.perUser.ping_user;
    const perSocket = SOCKETIO_LIMIT_RULES.perSocket.ping_user.points;
    const gus = await world.register('gus');
    const sockets: ChatClient[] = [];
    // Enough sockets that each stays under its own limit while together they pass the user's.
    for (let n = 0; n * perSocket <= points; n++) {
      sockets.push(await world.client(n % 2 ? b.url : a.url, gus.token));
    }

    const acks = (
      await Promise.all(sockets.map((socket) => atOnce(perSocket - 1, () => ping(socket))))
    ).flat();

    const codes = acks.map(codeOf);
    expect(codes.filter((code) => code === 'ok')).toHaveLength(points);
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
