import type { Express } from 'express';
import { createServiceApp, type Limit, type Logger, type TokenAuth } from '@microflack/common';
import { tokensRoutes } from './routes.js';
import type { Tokens } from './tokens.js';

/** What the tokens app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  tokens: Tokens;
  signIns: Limit;
}

/** The tokens HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, auth, tokens, signIns }: AppDeps): Express {
  return createServiceApp(logger, (app) =>
    app.use('/api/tokens', tokensRoutes({ auth, tokens, signIns })),
  );
}
