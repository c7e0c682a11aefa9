import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { z } from 'zod';
import { connectRedis, limitsFor, openDatabase, TokenKeys, type Pool } from '@microflack/common';
import { silentLogger, TestPlatform } from '@microflack/common/testing';
import { addressPolicy } from '../src/address-policy.js';
import { createApp } from '../src/app.js';
import type { ChannelEvents, ChannelModel } from '../src/channels.js';
import type { Message, MessageEvents } from '../src/messages.js';
import { previewLimitsFrom, type LinkPreviews } from '../src/previews.js';
import { messagesEnv, wireMessages, type MessagesConfig } from '../src/definition.js';

/** A message as the API must show it: exactly these fields. */
export const messageShape = z.strictObject({
  id: z.number().int().positive(),
  channel_id: z.number().int().positive(),
  user_id: z.number().int().positive(),
  source: z.string(),
  html: z.string(),
  created_at: z.number().int().min(1_000_000_000_000),
  updated_at: z.number().int().min(1_000_000_000_000),
  deleted: z.boolean(),
  _links: z.strictObject({ self: z.string(), user: z.string() }),
});

/** The body of `GET /api/messages`: a page and the cursor of the next catch-up. */
export const messageList = z.strictObject({
  messages: z.array(messageShape),
  cursor: z.string().regex(/^\d+\.\d+$/),
  pending: z.boolean().optional(),
});

export const MIGRATIONS = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Remembers every broadcast, in order. */
export class RecordedEvents implements MessageEvents {
  readonly updates: Message[] = [];
  readonly deletions: number[] = [];
  /** The channel of each deletion, in the same order. */
  readonly deletedIn: number[] = [];
  updated(message: Message): void {
    this.updates.push(message);
  }
  deleted(id: number, channelId: number): void {
    this.deletions.push(id);
    this.deletedIn.push(channelId);
  }
}

/** Remembers every channel broadcast, in order. */
export class RecordedChannelEvents implements ChannelEvents {
  readonly updates: ChannelModel[] = [];
  updated(channel: ChannelModel): void {
    this.updates.push(channel);
  }
}

/**
 * One test file's messages service, in process: a fresh database, a unique prefix for the Redis
 * abuse-limit counts, recorded broadcasts, and tokens signed with the test key.
 */
export class MessagesWorld {
  private nextUser = 1;

  private constructor(
    readonly config: MessagesConfig,
    readonly keys: TokenKeys,
    readonly revoked: Set<string>,
    readonly events: RecordedEvents,
    readonly channelEvents: RecordedChannelEvents,
    readonly app: Express,
    readonly previews: LinkPreviews,
    readonly pool: Pool,
    private readonly platform: TestPlatform,
  ) {}

  /**
   * Builds the world; `allowPrivate` lets previews reach the local test pages; `env` overrides
   * the test configuration (`MF_RATE_LIMIT_SCALE: '1'` for the limits as deployed).
   */
  static async create({
    allowPrivate = true,
    env = {},
  }: { allowPrivate?: boolean; env?: Record<string, string> } = {}): Promise<MessagesWorld> {
    const platform = new TestPlatform();
    const config = platform.configFor(messagesEnv, {
      DATABASE_URL: await platform.database(),
      PREVIEW_ALLOW_PRIVATE: allowPrivate ? '1' : '0',
      ...env,
    });
    const logger = silentLogger();
    const pool = await openDatabase(config.DATABASE_URL, MIGRATIONS, logger);
    platform.onClose(() => pool.end());
    const redis = await connectRedis(config.REDIS_URL, logger);
    // Not quit: a test may close the world while Redis is still coming back.
    platform.onClose(() => redis.disconnect());
    const keys = new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL);
    const revoked = new Set<string>();
    const events = new RecordedEvents();
    const channelEvents = new RecordedChannelEvents();
    const { messages, channels, previews } = wireMessages({
      pool,
      limit: limitsFor(redis, config),
      policy: addressPolicy(config.PREVIEW_ALLOW_PRIVATE),
      previewLimits: previewLimitsFrom(config),
      events,
      channelEvents,
      logger,
    });
    const app = createApp({ logger, auth: { keys, revoked }, messages, channels });
    return new MessagesWorld(
      config,
      keys,
      revoked,
      events,
      channelEvents,
      app,
      previews,
      pool,
      platform,
    );
  }

  /** A new user id and a bearer token for it (each user has their own abuse-limit counts). */
  user(): { id: number; token: string; jti: string } {
    const id = this.nextUser++;
    const issued = this.keys.sign(id);
    return { id, token: issued.token, jti: issued.jti };
  }

  /** Posts `source` as the token's user; the post must succeed. */
  async post(token: string, source: string): Promise<Message> {
    const response = await request(this.app)
      .post('/api/messages')
      .auth(token, { type: 'bearer' })
      .send({ source });
    expect(response.status).toBe(201);
    return messageShape.parse(response.body);
  }

  /** `GET /api/messages?<query>`, anonymously; the answer must be a page. */
  async list(query: string): Promise<z.infer<typeof messageList>> {
    const response = await request(this.app).get(`/api/messages?${query}`);
    expect(response.status).toBe(200);
    return messageList.parse(response.body);
  }

  /** Waits for previews, then closes the connections and removes every trace. */
  async close(): Promise<void> {
    await this.previews.settled();
    await this.platform.close();
  }
}
