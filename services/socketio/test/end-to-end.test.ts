import type { RunningService } from '@microflack/common';
import { nextEvent, waitFor } from '@microflack/common/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connections, messageOf, post } from './chat-client.js';
import { useTwoInstances, type ChatClient, type TestUser } from './world.js';

const messageShape = z.looseObject({
  id: z.number(),
  source: z.string(),
  updated_at: z.number(),
  deleted: z.boolean(),
});
type Seen = z.infer<typeof messageShape>;
const messageList = z.object({ messages: z.array(messageShape) });

const { world, balancer, one, two } = useTwoInstances();

/** A client of `token`'s user on `instance`, through the balancer(). */
function clientOn(instance: RunningService, token: string): Promise<ChatClient> {
  return world().clientOn(balancer().url, instance, token);
}

/** Keeps every message a client is told about, and catches up after each reconnect. */
function follow(client: ChatClient): Map<number, Seen> {
  const seen = new Map<number, Seen>();
  let since = Date.now();
  const keep = (message: Seen) => {
    seen.set(message.id, message);
    since = Math.max(since, message.updated_at);
  };
  client.on('updated_model', ({ model }) => {
    const message = messageShape.safeParse(model);
    if (message.success) keep(message.data);
  });
  // As a real client must: the catch-up itself can meet the balancer mid-reload, so it is
  // retried until it got an answer.
  const catchUp = async () => {
    const response = await fetch(`${balancer().url}/api/messages?updated_since=${since}`);
    messageList.parse(await response.json()).messages.forEach(keep);
    return true;
  };
  // On `connect` (the first is the one already made), as the ui does: only once the namespace
  // took the socket, which joins its channels first, are broadcasts received again; a catch-up on
  // the manager's `reconnect` would leave a post in between missed.
  client.on('connect', () => {
    void waitFor(catchUp, { timeoutMs: 10_000, intervalMs: 50, what: 'the catch-up' });
  });
  return seen;
}

describe('through the load balancer', () => {
  let ann: TestUser;
  let bob: TestUser;
  let annOnOne: ChatClient;
  let bobOnTwo: ChatClient;

  beforeAll(async () => {
    ann = await world().register('ann');
    bob = await world().register('bob');
    annOnOne = await clientOn(one(), ann.token);
    bobOnTwo = await clientOn(two(), bob.token);
  }, 30_000);

  it('when a message is posted on one instance, then clients on both receive it', async () => {
    const onOne = nextEvent(annOnOne, 'updated_model');
    const onTwo = nextEvent(bobOnTwo, 'updated_model');

    const ack = await post(annOnOne, 'to everyone, everywhere');

    expect(ack).toMatchObject({ ok: true });
    const model = 'ok' in ack ? ack.message : undefined;
    expect(await onOne).toEqual([{ class: 'Message', model }]);
    expect(await onTwo).toEqual([{ class: 'Message', model }]);
  });

  it('when a client loses its instance, then it reconnects through the balancer and catches up with nothing lost', async () => {
    const seen = follow(bobOnTwo);
    const posted: number[] = [];
    const postAndKeep = async (source: string) => {
      posted.push(messageOf(await post(annOnOne, source)).id);
    };
    await postAndKeep('before the stop');
    const disconnected = nextEvent(bobOnTwo, 'disconnect');
    const reconnected = nextEvent(bobOnTwo.io, 'reconnect');

    const stopped = two().stop();
    await disconnected;
    // Posted while bob has no socket: only the catch-up can bring these.
    for (let i = 0; i < 5; i++) await postAndKeep(`while away ${i}`);
    await stopped;
    await reconnected;
    await postAndKeep('after the reconnect');

    await expect.poll(() => posted.every((id) => seen.has(id)), { timeout: 10_000 }).toBe(true);
    expect(await connections(one())).toBeGreaterThanOrEqual(2);
    expect(bobOnTwo.connected).toBe(true);
  });
});
