import type { Express } from 'express';
import { createServiceApp, type Logger, type TokenAuth } from '@microflack/common';
import type { UsersLimits } from './abuse-limits.js';
import { usersRoutes } from './routes.js';
import type { Users } from './users.js';

/** What the users app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  users: Users;
  limits: UsersLimits;
}

/** The users HTTP app (no listening here: common's `startService` does that). */
export function createApp({ logger, auth, users, limits }: AppDeps): Express {
  return createServiceApp(logger, (app) =>
    app.use('/api/users', usersRoutes({ auth, users, limits })),
  );
}
