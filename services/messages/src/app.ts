import type { Express } from 'express';
import { createServiceApp, type Logger, type TokenAuth } from '@microflack/common';
import type { Messages } from './messages.js';
import { messagesRoutes } from './routes.js';

/** What the messages app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  messages: Messages;
}

/** The messages HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, auth, messages }: AppDeps): Express {
  return createServiceApp(logger, (app) =>
    app.use('/api/messages', messagesRoutes({ auth, messages })),
  );
}
