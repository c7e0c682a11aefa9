import request from 'supertest';
import { expect } from 'vitest';
import { z } from 'zod';
import type { MessagesWorld } from './helpers.js';

/** A channel as the API must show it: exactly these fields. */
export const channelShape = z.strictObject({
  id: z.number().int().positive(),
  name: z.string().nullable(),
  topic: z.string(),
  kind: z.enum(['public', 'private', 'direct']),
  member_ids: z.array(z.number().int().positive()).optional(),
  unread: z.number().int().min(0),
  mentions: z.number().int().min(0),
  created_at: z.number().int().min(1_000_000_000_000),
  updated_at: z.number().int().min(1_000_000_000_000),
  _links: z.strictObject({ self: z.string(), messages: z.string() }),
});

/** A channel of the API. */
export type ChannelView = z.infer<typeof channelShape>;

/** #general, made by the migration. */
export const GENERAL = 1;

/** A signed-in user of the world. */
export interface TestUser {
  id: number;
  token: string;
}

/** Calls the channels API of `world` as one user. */
export class ChannelClient {
  constructor(
    private readonly world: MessagesWorld,
    readonly user: TestUser,
  ) {}

  /** A request with this user's bearer token. */
  call(method: 'get' | 'post' | 'put' | 'delete', path: string): request.Test {
    return request(this.world.app)[method](path).auth(this.user.token, { type: 'bearer' });
  }

  /** Creates a channel; it must succeed. */
  async create(
    name: string,
    options: { private?: boolean; topic?: string } = {},
  ): Promise<ChannelView> {
    const response = await this.call('post', '/api/channels').send({ name, ...options });
    expect(response.status).toBe(201);
    return channelShape.parse(response.body);
  }

  /** The channels this user sees (with mention counts for `nickname`). */
  async list(nickname?: string): Promise<ChannelView[]> {
    const query = nickname === undefined ? '' : `?nickname=${nickname}`;
    const response = await this.call('get', `/api/channels${query}`);
    expect(response.status).toBe(200);
    return z.object({ channels: z.array(channelShape) }).parse(response.body).channels;
  }

  /** One channel of the list, which must be there. */
  async find(id: number, nickname?: string): Promise<ChannelView> {
    const channel = (await this.list(nickname)).find((each) => each.id === id);
    if (!channel) throw new Error(`channel ${id} is not listed`);
    return channel;
  }

  /** Posts `source` in `channelId`; it must succeed. Returns the message id. */
  async post(channelId: number, source: string): Promise<number> {
    const response = await this.call('post', '/api/messages').send({
      source,
      channel_id: channelId,
    });
    expect(response.status).toBe(201);
    return z.object({ id: z.number() }).parse(response.body).id;
  }

  /** Joins a channel; 204. */
  async join(id: number): Promise<void> {
    expect((await this.call('put', `/api/channels/${id}/members/me`)).status).toBe(204);
  }

  /** Adds `userId` to a channel; 204. */
  async add(id: number, userId: number): Promise<void> {
    const response = await this.call('post', `/api/channels/${id}/members`).send({
      user_id: userId,
    });
    expect(response.status).toBe(204);
  }

  /** The direct channel with `userId`, and the status it came with. */
  async direct(userId: number): Promise<{ status: number; channel: ChannelView }> {
    const response = await this.call('post', '/api/channels/direct').send({ user_id: userId });
    return { status: response.status, channel: channelShape.parse(response.body) };
  }

  /** Moves the read pointer; 204. */
  async read(id: number, messageId: number): Promise<void> {
    const response = await this.call('put', `/api/channels/${id}/read`).send({
      message_id: messageId,
    });
    expect(response.status).toBe(204);
  }
}

/** A new user of `world` with a client. */
export function newClient(world: MessagesWorld): ChannelClient {
  return new ChannelClient(world, world.user());
}
