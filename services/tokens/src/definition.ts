import {
  readPackageVersion,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { createApp } from './app.js';
import type { TokensConfig } from './config.js';
import { Tokens } from './tokens.js';
import { UsersClient } from './users-client.js';

export { tokensEnv, type TokensConfig } from './config.js';

/** How the load balancer routes to tokens. */
export const tokensRoute: ServiceConfigRecord = {
  location: '/api/tokens',
  balance: 'roundrobin',
  sticky: false,
};

/** The tokens service: no database; users vouches for credentials, etcd keeps revocations. */
export function tokensDefinition(config: TokensConfig): ServiceDefinition<TokensConfig> {
  return {
    name: 'tokens',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: tokensRoute,
    config,
    build({ auth, client, logger }) {
      const users = new UsersClient(client, logger);
      const tokens = new Tokens({ keys: auth.keys, revoked: auth.revoked, users, logger });
      return { app: createApp({ logger, auth, tokens }) };
    },
  };
}
