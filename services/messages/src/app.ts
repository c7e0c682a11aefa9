import type { Express } from 'express';
import { createServiceApp, type Logger, type TokenAuth } from '@microflack/common';
import { channelsRoutes } from './channel-routes.js';
import type { Channels } from './channels.js';
import type { Messages } from './messages.js';
import { messagesRoutes } from './routes.js';

/** What the messages app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  messages: Messages;
  channels: Channels;
}

/** The messages HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, auth, messages, channels }: AppDeps): Express {
  return createServiceApp(logger, (app) =>
    app
      .use('/api/messages', messagesRoutes({ auth, messages }))
      .use('/api/channels', channelsRoutes({ auth, channels })),
  );
}
