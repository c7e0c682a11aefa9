import { fileURLToPath } from 'node:url';
import {
  Broadcaster,
  limitsFor,
  readPackageVersion,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { createApp } from './app.js';
import type { UsersConfig } from './config.js';
import { usersLimits } from './abuse-limits.js';
import { HashBudget } from './hash-budget.js';
import { Sweeper } from './sweeper.js';
import { Users } from './users.js';
import { UsersRepo } from './users-repo.js';

export { usersEnv, type UsersConfig } from './config.js';
export type { User } from './users.js';

const migrations = fileURLToPath(new URL('../migrations/', import.meta.url));

/** How the load balancer routes to users. */
export const usersRoute: ServiceConfigRecord = {
  location: '/api/users',
  balance: 'roundrobin',
  sticky: false,
};

/** The users service: its database, Redis, the sweeper, and the app. */
export function usersDefinition(config: UsersConfig): ServiceDefinition<UsersConfig> {
  return {
    name: 'users',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: usersRoute,
    config,
    async build(context) {
      const { auth, logger } = context;
      const pool = await context.database(config.DATABASE_URL, migrations);
      const connection = await context.redis();
      const limits = usersLimits(limitsFor(connection, config));
      const users = new Users({
        repo: new UsersRepo(pool),
        limits,
        hashing: new HashBudget(config.USERS_BCRYPT_MAX_PENDING),
        revocations: auth.revoked,
        tokenTtlSeconds: config.TOKEN_TTL,
        broadcaster: new Broadcaster(connection, config.MF_ETCD_PREFIX, logger),
        bcryptCost: config.BCRYPT_COST,
        offlineAfterSeconds: config.USERS_OFFLINE_AFTER,
      });
      const sweeper = new Sweeper(() => users.sweep(), config.USERS_SWEEP_INTERVAL * 1000, logger);
      context.onClose(() => sweeper.stop());
      return { app: createApp({ logger, auth, users, limits }) };
    },
  };
}
