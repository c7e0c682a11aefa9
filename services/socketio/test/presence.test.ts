import type { RunningService } from '@microflack/common';
import { nextEvent } from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastOf, connections, ping, post } from './chat-client.js';
import { capturingLogger } from './log-capture.js';
import { ChatWorld, type ChatClient, type TestUser } from './world.js';

let world: ChatWorld;
let a: RunningService;
let b: RunningService;
const logsA = capturingLogger();
const logsB = capturingLogger();

beforeAll(async () => {
  world = await ChatWorld.create();
  a = await world.startSocketio(logsA.logger);
  b = await world.startSocketio(logsB.logger);
});
afterAll(async () => {
  await world.close();
});

function closed(client: ChatClient): Promise<unknown> {
  const gone = nextEvent(client, 'disconnect');
  client.close();
  return gone;
}

describe('typing', () => {
  it('when a user types, then other users receive one typing per second, and neither the typist nor anonymous senders are echoed', async () => {
    const ann = await world.register('ann');
    const bob = await world.register('bob');
    const typist = await world.client(a.url, ann.token);
    const typistElsewhere = await world.client(b.url, ann.token);
    const other = await world.client(b.url, bob.token);
    const anonymous = await world.client(a.url);
    const seen = {
      typistElsewhere: [] as unknown[],
      other: [] as unknown[],
      anonymous: [] as unknown[],
    };
    typistElsewhere.on('typing', (payload) => seen.typistElsewhere.push(payload));
    other.on('typing', (payload) => seen.other.push(payload));
    anonymous.on('typing', (payload) => seen.anonymous.push(payload));
    const first = nextEvent(other, 'typing');

    typist.emit('typing');
    typist.emit('typing');
    typist.emit('typing');
    anonymous.emit('typing');
    expect(await first).toEqual([{ user_id: ann.id, nickname: ann.nickname, channel_id: 1 }]);
    // A message broadcast after the typing notices is a barrier: any extra notice comes before it.
    const everywhere = Promise.all(
      [typistElsewhere, other, anonymous].map((client) => broadcastOf(client, 'barrier')),
    );
    await post(typist, 'barrier');
    await everywhere;

    expect(seen.other).toHaveLength(1);
    expect(seen.anonymous).toEqual([{ user_id: ann.id, nickname: ann.nickname, channel_id: 1 }]);
    expect(seen.typistElsewhere).toEqual([]);
  });
});

describe('presence', () => {
  it.each([
    ['still valid', () => Promise.resolve()],
    ['revoked by a sign-out', (user: TestUser) => world.revoke(user)],
  ])(
    'when the last socket of a user closes, its token %s, then the user is marked offline',
    async (_what, beforeClosing) => {
      const carl = await world.register('carl');
      const client = await world.client(a.url, carl.token);
      await ping(client);
      expect(await world.online(carl.id)).toBe(true);
      await beforeClosing(carl);

      await closed(client);

      await logsA.waitForLine('last socket closed: user offline', { userId: carl.id });
      expect(await world.online(carl.id)).toBe(false);
    },
  );

  it('when a user has sockets on two instances, then only closing the last one marks them offline', async () => {
    const dora = await world.register('dora');
    const onA = await world.client(a.url, dora.token);
    const onB = await world.client(b.url, dora.token);
    await ping(onA);

    await closed(onA);
    await logsA.waitForLine('user still connected', { userId: dora.id });
    expect(await world.online(dora.id)).toBe(true);

    await closed(onB);
    await logsB.waitForLine('last socket closed: user offline', { userId: dora.id });
    expect(await world.online(dora.id)).toBe(false);
  });
});

describe('presence after a refused token', () => {
  it("when a socket's own token is refused, then the socket becomes anonymous and its user, with no other socket, goes offline", async () => {
    const gail = await world.register('gail');
    const client = await world.client(a.url, gail.token);
    await ping(client);
    await world.revoke(gail);
    const expired = nextEvent(client, 'expired_token');

    expect(await post(client, 'after sign-out')).toMatchObject({ code: 'revoked_token' });
    await expired;

    await logsA.waitForLine('last socket closed: user offline', { userId: gail.id });
    expect(await world.online(gail.id)).toBe(false);
    expect(await post(client, 'still anonymous')).toMatchObject({ code: 'token_required' });
  });
});

describe('metrics', () => {
  it('when a client connects, then the connections gauge counts it', async () => {
    const gauge = () => connections(b);
    const before = await gauge();

    const client = await world.client(b.url);

    expect(await gauge()).toBe(before + 1);
    await closed(client);
    await expect.poll(gauge).toBe(before);
  });
});

describe('drain', () => {
  it('when an instance stops, then its sockets are closed so they reconnect, and their users stay online', async () => {
    const logsC = capturingLogger();
    const c = await world.startSocketio(logsC.logger);
    const eve = await world.register('eve');
    const client = await world.client(c.url, eve.token);
    await ping(client);
    const disconnected = nextEvent<[string, unknown]>(client, 'disconnect');

    await c.stop();

    expect((await disconnected)[0]).toBe('transport close');
    expect(client.active).toBe(true); // socket.io-client will reconnect by itself
    client.close();
    expect(await world.online(eve.id)).toBe(true);
    expect(logsC.lines.map((line) => line.msg)).not.toContain('last socket closed: user offline');
  });
});
