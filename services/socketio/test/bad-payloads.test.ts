import type { Socket } from 'socket.io-client';
import type { RunningService } from '@microflack/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatWorld, type TestUser } from './world.js';

const messageList = z.object({ messages: z.array(z.object({ source: z.string() })) });

let world: ChatWorld;
let instance: RunningService;
let user: TestUser;
let raw: Socket;

beforeAll(async () => {
  world = await ChatWorld.create();
  instance = await world.startSocketio();
  user = await world.register('raw');
  raw = await world.rawClient(instance.url, user.token);
});
afterAll(async () => {
  await world.close();
});

/** Emits `event` with `args` and an ack; resolves with what the server acked. */
function emitWithAck(socket: Socket, event: string, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve) => socket.emit(event, ...args, resolve));
}

async function storedSources(): Promise<string[]> {
  const response = await fetch(`${world.config.MF_BALANCER_URL}/api/messages?limit=500`);
  return messageList.parse(await response.json()).messages.map((message) => message.source);
}

describe('payloads of the wrong shape', () => {
  it.each([
    ['nothing', []],
    ['a bare string', ['hello']],
    ['a number source', [{ source: 5 }]],
    ['no source', [{ text: 'hello' }]],
    ['null', [null]],
    ['an array', [['hello']]],
    ['a number token', [{ source: 'hello' }, 42]],
    ['an extra argument', [{ source: 'hello' }, 'a-token', 'extra']],
    ['a number client_id', [{ source: 'hello', client_id: 7 }]],
    ['a 65-character client_id', [{ source: 'hello', client_id: 'c'.repeat(65) }]],
    ['a client_id with a line break', [{ source: 'hello', client_id: 'a\r\nb' }]],
  ])(
    'when post_message gets %s, then an invalid_payload ack and nothing is stored',
    async (_what, args) => {
      const before = await storedSources();

      const ack = await emitWithAck(raw, 'post_message', ...args);

      expect(ack).toEqual({ error: expect.any(String) as unknown, code: 'invalid_payload' });
      expect(await storedSources()).toEqual(before);
    },
  );

  it.each([
    ['a number', [42]],
    ['an object', [{ token: 'x' }]],
    ['two tokens', ['a', 'b']],
  ])('when ping_user gets %s, then an invalid_payload ack', async (_what, args) => {
    expect(await emitWithAck(raw, 'ping_user', ...args)).toMatchObject({ code: 'invalid_payload' });
  });

  it('when events come without acks, with junk, or unknown, then nothing crashes and the socket still works', async () => {
    raw.emit('post_message', { source: 'no ack wanted' });
    raw.emit('post_message', 'junk');
    raw.emit('ping_user', { nope: true });
    raw.emit('ping_user');
    raw.emit('typing', 'unexpected', 'arguments');
    raw.emit('typing', () => undefined);
    raw.emit('no_such_event', 1, 2, 3);

    const ack = await emitWithAck(raw, 'post_message', { source: 'still here' });

    expect(ack).toMatchObject({ ok: true });
    expect(await storedSources()).toEqual(expect.arrayContaining(['no ack wanted', 'still here']));
    expect(await storedSources()).not.toContain('junk');
  });

  it('when a client sends more than the buffer limit, then only that client is cut off', async () => {
    const greedy = await world.rawClient(instance.url, user.token);
    const cut = new Promise<string>((resolve) => greedy.once('disconnect', resolve));

    greedy.emit('post_message', { source: 'x'.repeat(200 * 1024) });

    expect(await cut).toBe('transport close');
    greedy.close();
    expect(await emitWithAck(raw, 'post_message', { source: 'others unaffected' })).toMatchObject({
      ok: true,
    });
  });
});
