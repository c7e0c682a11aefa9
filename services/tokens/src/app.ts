import type { Express } from 'express';
import { createServiceApp, type Logger, type TokenAuth } from '@microflack/common';
import type { TokenIssuer } from './issuer.js';
import { tokensRouter } from './routes.js';

/** What the tokens app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  issuer: TokenIssuer;
}

/** The tokens HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, auth, issuer }: AppDeps): Express {
  return createServiceApp(logger, (app) => app.use('/api/tokens', tokensRouter(issuer, auth)));
}
