import { fileURLToPath } from 'node:url';
import {
  Broadcaster,
  readPackageVersion,
  type Logger,
  type Pool,
  type Redis,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { addressPolicy, type AddressPolicy } from './address-policy.js';
import { createApp } from './app.js';
import { ChannelGate, Channels, type ChannelEvents } from './channels.js';
import { ChannelsRepo } from './channels-repo.js';
import type { MessagesConfig } from './config.js';
import { Messages, toMessage, type MessageEvents } from './messages.js';
import { MessagesRepo } from './messages-repo.js';
import { fetchPage } from './page-fetch.js';
import { LinkPreviews } from './previews.js';
import { MESSAGE_RATE, RateLimiter } from './rate-limit.js';

export { messagesEnv, type MessagesConfig } from './config.js';
export type { Message } from './messages.js';

const migrations = fileURLToPath(new URL('../migrations/', import.meta.url));

/** How the load balancer routes to messages. */
export const messagesRoute: ServiceConfigRecord = {
  location: '/api/messages',
  balance: 'roundrobin',
  sticky: false,
};

/** What the messages rules are wired from. */
export interface WiringDeps {
  pool: Pool;
  redis: Redis;
  /** Namespaces the Redis rate-limit buckets. */
  prefix: string;
  policy: AddressPolicy;
  events: MessageEvents;
  channelEvents: ChannelEvents;
  logger: Logger;
}

/**
 * Wires the domain: repositories, shared rate limiter, link previews that save and re-announce,
 * channels and the gate that keeps messages in the channels their readers may see.
 */
export function wireMessages(deps: WiringDeps): {
  messages: Messages;
  channels: Channels;
  previews: LinkPreviews;
} {
  const { pool, redis, prefix, policy, events, channelEvents, logger } = deps;
  const channelsRepo = new ChannelsRepo(pool);
  const gate = new ChannelGate(channelsRepo);
  const channels = new Channels({ repo: channelsRepo, gate, events: channelEvents });
  const repo = new MessagesRepo(pool);
  const previews = new LinkPreviews({
    fetchPage: (url) => fetchPage(url, policy),
    repo,
    saved: (row) => events.updated(toMessage(row)),
    logger,
  });
  const limiter = new RateLimiter(redis, prefix, MESSAGE_RATE, logger);
  const messages = new Messages({ repo, limiter, events, previews, gate, logger });
  return { messages, channels, previews };
}

/** The messages service: its database, Redis (rate limits, broadcasts), previews and the app. */
export function messagesDefinition(config: MessagesConfig): ServiceDefinition<MessagesConfig> {
  return {
    name: 'messages',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: messagesRoute,
    config,
    async build(context) {
      const { auth, logger } = context;
      const pool = await context.database(config.DATABASE_URL, migrations);
      const redis = await context.redis();
      const broadcaster = new Broadcaster(redis, config.MF_ETCD_PREFIX, logger);
      const { messages, channels, previews } = wireMessages({
        pool,
        redis,
        prefix: config.MF_ETCD_PREFIX,
        policy: addressPolicy(config.PREVIEW_ALLOW_PRIVATE),
        events: {
          updated: (message) => broadcaster.updated('Message', message),
          // The channel of a deletion is known here for the routing to channel rooms
          // (docs/events.md); the event itself stays `{class, id}` until then.
          deleted: (id) => broadcaster.deleted(id),
        },
        channelEvents: { updated: (channel) => broadcaster.updated('Channel', channel) },
        logger,
      });
      // Closers run last-registered first: previews finish before Redis and the pool close.
      context.onClose(() => previews.settled());
      return { app: createApp({ logger, auth, messages, channels }) };
    },
  };
}
