import type { RunningService } from '@microflack/common';
import { z } from 'zod';
import type { PingAck, PostAck } from '../src/events.js';
import type { ChatClient } from './world.js';

/** `post_message` with an ack; `token` overrides the handshake's. */
export function post(
  client: ChatClient,
  source: string,
  token?: string,
  clientId?: string,
): Promise<PostAck> {
  return new Promise((resolve) =>
    client.emit('post_message', { source, client_id: clientId }, token, resolve),
  );
}

/** `ping_user` with an ack; `token` overrides the handshake's. */
export function ping(client: ChatClient, token?: string): Promise<PingAck> {
  return new Promise((resolve) => client.emit('ping_user', token, resolve));
}

const messageShape = z.looseObject({
  id: z.number(),
  source: z.string(),
  user_id: z.number(),
  updated_at: z.number(),
});

/** The message a successful `post_message` acked. @throws when the post was refused. */
export function messageOf(ack: PostAck): z.infer<typeof messageShape> {
  if (!('ok' in ack)) throw new Error(`post refused: ${ack.code}`);
  return messageShape.parse(ack.message);
}

/** Resolves with the first `updated_model` payload about a message with this source. */
export function broadcastOf(client: ChatClient, source: string): Promise<unknown> {
  return new Promise((resolve) => {
    client.on('updated_model', (payload) => {
      const message = messageShape.safeParse(payload.model);
      if (message.success && message.data.source === source) resolve(payload);
    });
  });
}

/** The `socketio_connections` gauge of an instance. */
export async function connections(instance: RunningService): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return Number(/^socketio_connections\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}
