import type { RunningService } from '@microflack/common';
import { nextEvent } from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { capturingLogger } from './log-capture.js';
import { broadcastOf, messageOf, ping, post } from './chat-client.js';
import { ChatWorld, type TestUser } from './world.js';

let world: ChatWorld;
let a: RunningService;
let b: RunningService;
const logsA = capturingLogger();

beforeAll(async () => {
  world = await ChatWorld.create();
  a = await world.startSocketio(logsA.logger);
  b = await world.startSocketio();
});
afterAll(async () => {
  await world.close();
});

describe('post_message', () => {
  it('when a signed-in client posts, then the ack holds the message and clients of every instance, anonymous too, receive it', async () => {
    const ann = await world.register('ann');
    const poster = await world.client(a.url, ann.token);
    const onA = await world.client(a.url);
    const onB = await world.client(b.url);
    const seenOnA = broadcastOf(onA, 'hello everyone');
    const seenOnB = broadcastOf(onB, 'hello everyone');

    const ack = await post(poster, 'hello everyone');

    const message = messageOf(ack);
    expect(message).toMatchObject({ source: 'hello everyone', user_id: ann.id });
    const model = 'ok' in ack ? ack.message : undefined;
    expect(await seenOnA).toEqual({ class: 'Message', model });
    expect(await seenOnB).toEqual({ class: 'Message', model });
  });

  it('when an anonymous socket posts with a token argument, then it is accepted', async () => {
    const bob = await world.register('bob');
    const anonymous = await world.client(b.url);

    expect(messageOf(await post(anonymous, 'with an explicit token', bob.token)).user_id).toBe(
      bob.id,
    );
  });

  it('when an anonymous socket posts without a token, then token_required', async () => {
    const anonymous = await world.client(a.url);

    expect(await post(anonymous, 'who am I')).toEqual({
      error: expect.any(String) as unknown,
      code: 'token_required',
    });
  });

  it('when a client posts again with the same client_id (its ack was lost), then both acks hold one message, stored once', async () => {
    const gus = await world.register('gus');
    const first = await world.client(a.url, gus.token);
    const reconnected = await world.client(b.url, gus.token);

    const ack = messageOf(await post(first, 'said once', undefined, 'client-id-1'));
    const retried = messageOf(await post(reconnected, 'said once', undefined, 'client-id-1'));
    const other = messageOf(await post(reconnected, 'said once', undefined, 'client-id-2'));

    expect(retried).toEqual(ack);
    expect(other.id).not.toBe(ack.id);
    const response = await fetch(
      `${world.config.MF_BALANCER_URL}/api/messages?user_id=${gus.id}&limit=10`,
    );
    const stored = z.object({ messages: z.array(z.object({ id: z.number() })) });
    expect(stored.parse(await response.json()).messages.map(({ id }) => id)).toEqual([
      ack.id,
      other.id,
    ]);
  });

  it('when messages refuses the source, then its error comes back in the ack', async () => {
    const carl = await world.register('carl');
    const client = await world.client(a.url, carl.token);

    expect(await post(client, '   ')).toMatchObject({ code: 'invalid_input' });
    expect(await post(client, 'x'.repeat(4001))).toMatchObject({ code: 'invalid_input' });
  });
});

describe('model broadcasts', () => {
  it('when a message is edited or deleted through the API, then clients receive updated_model and deleted_model', async () => {
    const fay = await world.register('fay');
    const client = await world.client(b.url);
    const { id } = messageOf(await post(await world.client(a.url, fay.token), 'draft'));
    const url = `${world.config.MF_BALANCER_URL}/api/messages/${id}`;
    const headers = { authorization: `Bearer ${fay.token}`, 'content-type': 'application/json' };
    const edited = broadcastOf(client, 'final');
    const deleted = nextEvent(client, 'deleted_model');

    await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ source: 'final' }) });
    expect(await edited).toMatchObject({ class: 'Message', model: { id, source: 'final' } });
    await fetch(url, { method: 'DELETE', headers });

    expect(await deleted).toEqual([{ class: 'Message', id }]);
  });
});

describe('tokens', () => {
  it('when the handshake token is invalid, then expired_token is emitted and the socket is anonymous', async () => {
    let expired: Promise<unknown> | undefined;
    const client = await world.client(a.url, 'not-a-token', {
      before: (socket) => {
        expired = nextEvent(socket, 'expired_token');
      },
    });

    await expired;
    expect(await post(client, 'sneaky')).toMatchObject({ code: 'token_required' });
  });

  it.each([
    ['revoked', (user: TestUser) => world.revoke(user), 'revoked_token'],
    [
      'expired',
      (user: TestUser) => Promise.resolve(world.keys.sign(user.id, Date.now() - 7_200_000).token),
      'expired_token',
    ],
    [
      'signed with another key',
      () => Promise.resolve('eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl'),
      'invalid_token',
    ],
  ])(
    'when an event carries a %s token, then expired_token and an error ack',
    async (_what, tokenFor, code) => {
      const user = await world.register('tok');
      const client = await world.client(b.url);
      const token = await tokenFor(user);
      const expired = nextEvent(client, 'expired_token');

      const pinged = await ping(client, token);
      await expired;
      const posted = await post(client, 'refused', token);

      expect(pinged).toMatchObject({ code });
      expect(posted).toMatchObject({ code });
    },
  );
});

describe('ping_user', () => {
  it('when a user pings, then users marks them online and the ack is ok', async () => {
    const dora = await world.register('dora');
    const client = await world.client(a.url, dora.token);

    expect(await ping(client)).toEqual({ ok: true });
    expect(await world.online(dora.id)).toBe(true);
  });

  it('when an anonymous socket pings with a token, then it becomes that user', async () => {
    const eve = await world.register('eve');
    const client = await world.client(a.url);

    expect(await ping(client, eve.token)).toEqual({ ok: true });
    expect(messageOf(await post(client, 'signed in late')).user_id).toBe(eve.id);
  });
});
