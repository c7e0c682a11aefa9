import {
  limitsFor,
  readPackageVersion,
  type LimitRule,
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

/** The abuse limits of tokens (docs/api.md, tokens): per window, per client address. */
export const TOKENS_LIMIT_RULES = {
  signIns: { name: 'tokens/sign-ins', points: 30, durationSeconds: 60 },
} satisfies Record<string, LimitRule>;

/**
 * The tokens service: no database; users vouches for credentials, etcd keeps revocations, Redis
 * the sign-in counts.
 */
export function tokensDefinition(config: TokensConfig): ServiceDefinition<TokensConfig> {
  return {
    name: 'tokens',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: tokensRoute,
    config,
    async build(context) {
      const { auth, client, logger } = context;
      const users = new UsersClient(client, logger);
      const tokenTtlSeconds = config.TOKEN_TTL;
      const tokens = new Tokens({
        keys: auth.keys,
        revoked: auth.revoked,
        users,
        logger,
        tokenTtlSeconds,
      });
      const signIns = limitsFor(await context.redis(), config)(TOKENS_LIMIT_RULES.signIns);
      return { app: createApp({ logger, auth, tokens, signIns }) };
    },
  };
}
