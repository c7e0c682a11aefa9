import type { Express } from 'express';
import { createServiceApp, type Logger, type TokenAuth } from '@microflack/common';
import type { MessageService } from './messages.js';
import { messageRoutes } from './routes.js';

/** What the messages app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  messages: MessageService;
}

/** The messages HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, auth, messages }: AppDeps): Express {
  return createServiceApp(logger, (app) => app.use(messageRoutes({ auth, messages })));
}
