import {
  readPackageVersion,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { createApp } from './app.js';
import type { TokensConfig } from './config.js';
import { TokenIssuer } from './issuer.js';

export { tokensEnv, type TokensConfig } from './config.js';

/** How the load balancer routes to tokens. */
export const tokensRoute: ServiceConfigRecord = {
  location: '/api/tokens',
  balance: 'roundrobin',
  sticky: false,
};

/** The tokens service: no database; users vouches for credentials, etcd keeps revocations. */
export function tokensService(config: TokensConfig): ServiceDefinition<TokensConfig> {
  return {
    name: 'tokens',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: tokensRoute,
    config,
    build({ auth, client, logger }) {
      const issuer = new TokenIssuer({ keys: auth.keys, revoked: auth.revoked, client, logger });
      return { app: createApp({ logger, auth, issuer }) };
    },
  };
}
