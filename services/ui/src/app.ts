import type { Express } from 'express';
import { createServiceApp, type Logger } from '@microflack/common';
import type { Assets } from './assets.js';
import { securityHeaders } from './headers.js';
import { uiRoutes } from './routes.js';

/** What the ui app is built from. */
export interface AppDeps {
  logger: Logger;
  assets: Assets;
}

/** The ui HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, assets }: AppDeps): Express {
  return createServiceApp(logger, (app) => app.use(securityHeaders, uiRoutes(assets)));
}
