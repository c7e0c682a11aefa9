import { fileURLToPath } from 'node:url';
import {
  Broadcaster,
  limitsFor,
  readPackageVersion,
  type Limit,
  type LimitRule,
  type Logger,
  type Pool,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { MessagesLimits } from './abuse-limits.js';
import { addressPolicy, type AddressPolicy } from './address-policy.js';
import { createApp } from './app.js';
import { ChannelGate, Channels, type ChannelEvents } from './channels.js';
import { ChannelsRepo } from './channels-repo.js';
import type { MessagesConfig } from './config.js';
import { Messages, toMessage, type MessageEvents } from './messages.js';
import { MessagesRepo } from './messages-repo.js';
import { fetchPage, PREVIEW_LIMITS } from './page-fetch.js';
import { LinkPreviews, previewLimitsFrom, type PreviewLimits } from './previews.js';

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
  /** Builds the abuse limits (common's `limitsFor(redis, config)`). */
  limit: (rule: LimitRule) => Limit;
  policy: AddressPolicy;
  previewLimits: PreviewLimits;
  events: MessageEvents;
  channelEvents: ChannelEvents;
  logger: Logger;
}

/**
 * Wires the domain: repositories, shared abuse limits, link previews that save and re-announce,
 * channels and the gate that keeps messages in the channels their readers may see.
 */
export function wireMessages(deps: WiringDeps): {
  messages: Messages;
  channels: Channels;
  previews: LinkPreviews;
} {
  const { pool, limit, policy, previewLimits, events, channelEvents, logger } = deps;
  const channelsRepo = new ChannelsRepo(pool);
  const gate = new ChannelGate(channelsRepo);
  const channels = new Channels({ repo: channelsRepo, gate, events: channelEvents });
  const repo = new MessagesRepo(pool);
  const previews = new LinkPreviews({
    fetchPage: (url, signal) => fetchPage(url, policy, PREVIEW_LIMITS, { signal }),
    limits: previewLimits,
    repo,
    saved: (row) => events.updated(toMessage(row)),
    logger,
  });
  const limits = new MessagesLimits(limit);
  const messages = new Messages({ repo, limits, events, previews, gate, logger });
  return { messages, channels, previews };
}

/** The messages service: its database, Redis (abuse limits, broadcasts), previews and the app. */
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
        limit: limitsFor(redis, config),
        policy: addressPolicy(config.PREVIEW_ALLOW_PRIVATE),
        previewLimits: previewLimitsFrom(config),
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
