import { TokenKeys, type RunningService } from '@microflack/common';
import { TestPlatform } from '@microflack/common/testing';
import { usersDefinition, usersEnv } from '@microflack/users';
import { z } from 'zod';
import { tokensDefinition, tokensEnv, type TokensConfig } from '../src/definition.js';

/** Exactly the answer to `POST /api/tokens` (docs/api.md). */
export const issuedShape = z.strictObject({
  token: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/),
  expires_at: z.number().int(),
});

/** A users instance on a fresh database, and tokens instances that reach it, on one platform. */
export class TokensWorld {
  readonly keys: TokenKeys;

  private constructor(
    private readonly platform: TestPlatform,
    readonly users: RunningService,
    readonly config: TokensConfig,
  ) {
    this.keys = new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL);
  }

  /**
   * Starts users (bcrypt cost 4) on a fresh database of `platform` (a platform of its own, with
   * the limits as deployed, by default); tokens will call it directly unless told otherwise.
   */
  static async create(
    platform = new TestPlatform({ MF_RATE_LIMIT_SCALE: '1' }),
  ): Promise<TokensWorld> {
    const usersConfig = platform.configFor(usersEnv, {
      DATABASE_URL: await platform.database(),
      BCRYPT_COST: '4',
      MF_DRAIN_TIMEOUT: '2',
    });
    const users = await platform.start(usersDefinition(usersConfig));
    const config = platform.configFor(tokensEnv, {
      MF_BALANCER_URL: users.url,
      MF_DRAIN_TIMEOUT: '2',
    });
    return new TokensWorld(platform, users, config);
  }

  /** Starts a tokens instance; by default its service client goes straight to users. */
  start(overrides: Partial<TokensConfig> = {}): Promise<RunningService> {
    return this.platform.start(tokensDefinition({ ...this.config, ...overrides }));
  }

  /** Stops every instance and removes every trace. */
  close(): Promise<void> {
    return this.platform.close();
  }
}
