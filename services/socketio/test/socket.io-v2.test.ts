import io from 'socket.io-client-v2';
import { startTestPlatform, type TestBalancer } from '@microflack/haproxy/testing';
import { nextEvent, waitFor } from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatWorld, type TestUser } from './world.js';

// The 2017 browser app speaks Socket.IO 2 (Engine.IO v3): it has no handshake `auth`, so its token
// rides in the query, or as the events' token argument, as the 2017 app sent it.

const ackShape = z.object({
  ok: z.literal(true),
  message: z.looseObject({ id: z.number(), user_id: z.number(), source: z.string() }),
});
const broadcastShape = z.object({
  class: z.literal('Message'),
  model: z.looseObject({ id: z.number() }),
});

let balancer: TestBalancer;
let world: ChatWorld;
let ann: TestUser;

beforeAll(async () => {
  const started = await startTestPlatform();
  balancer = started.balancer;
  world = await ChatWorld.create(started.platform);
  await world.startSocketio();
  await world.startSocketio();
  ann = await world.register('ann');
  // socketio is routed once an Engine.IO v3 handshake through the balancer succeeds.
  await waitFor(
    async () => (await fetch(`${balancer.url}/socket.io/?EIO=3&transport=polling`)).ok,
    { what: 'socketio routed by the balancer' },
  );
}, 60_000);
afterAll(async () => world.close());

/** A Socket.IO 2 client through the load balancer, polling first and then upgrading. */
async function v2Client(query: Record<string, string> = {}) {
  const client = io(balancer.url, {
    path: '/socket.io',
    query,
    reconnection: false,
    forceNew: true,
  });
  await nextEvent(client, 'connect');
  return client;
}

function postMessage(
  client: Awaited<ReturnType<typeof v2Client>>,
  ...args: unknown[]
): Promise<unknown> {
  return new Promise((resolve) => client.emit('post_message', ...args, resolve));
}

describe('a Socket.IO 2 client (Engine.IO v3)', () => {
  it('when it connects with a token in the query, then it posts with an ack and receives updated_model', async () => {
    const client = await v2Client({ token: ann.token });
    const broadcast = nextEvent(client, 'updated_model');

    const ack = ackShape.parse(await postMessage(client, { source: 'hello from 2017' }));

    expect(ack.message).toMatchObject({ user_id: ann.id, source: 'hello from 2017' });
    const [received] = await broadcast;
    expect(broadcastShape.parse(received).model.id).toBe(ack.message.id);
    client.close();
  });

  it('when an anonymous one posts with the token as an argument, as the 2017 app did, then it is accepted', async () => {
    const client = await v2Client();

    const ack = ackShape.parse(
      await postMessage(client, { source: 'token as argument' }, ann.token),
    );

    expect(ack.message.user_id).toBe(ann.id);
    client.close();
  });
});
