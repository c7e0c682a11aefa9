import { connectEtcd, startService, TokenKeys, type RunningService } from '@microflack/common';
import {
  freshDatabase,
  silentLogger,
  testConfig,
  type TestDatabase,
} from '@microflack/common/testing';
import { usersDefinition, usersEnv } from '@microflack/users';
import { z } from 'zod';
import { tokensDefinition, tokensEnv, type TokensConfig } from '../src/definition.js';

/** Exactly the answer to `POST /api/tokens` (docs/api.md). */
export const issuedShape = z.strictObject({
  token: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/),
  expires_at: z.number().int(),
});

/** A users instance on a fresh database, and tokens instances that reach it, on one etcd prefix. */
export class TokensWorld {
  readonly started: RunningService[] = [];
  readonly keys: TokenKeys;

  private constructor(
    readonly database: TestDatabase,
    readonly users: RunningService,
    readonly config: TokensConfig,
  ) {
    this.keys = new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL);
    this.started.push(users);
  }

  /** Starts users (bcrypt cost 4) on a fresh database; tokens will call it directly. */
  static async create(): Promise<TokensWorld> {
    const database = await freshDatabase();
    const usersConfig = testConfig(usersEnv, {
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
      MF_DRAIN_TIMEOUT: '2',
    });
    const users = await startService({ ...usersDefinition(usersConfig), logger: silentLogger() });
    const config = testConfig(tokensEnv, {
      MF_ETCD_PREFIX: usersConfig.MF_ETCD_PREFIX,
      MF_BALANCER_URL: users.url,
      MF_DRAIN_TIMEOUT: '2',
    });
    return new TokensWorld(database, users, config);
  }

  /** Starts a tokens instance; by default its service client goes straight to users. */
  async start(overrides: Partial<TokensConfig> = {}): Promise<RunningService> {
    const service = await startService({
      ...tokensDefinition({ ...this.config, ...overrides }),
      logger: silentLogger(),
    });
    this.started.push(service);
    return service;
  }

  /** Stops every instance and removes every trace. */
  async close(): Promise<void> {
    await Promise.all(this.started.splice(0).map((service) => service.stop()));
    const etcd = connectEtcd(this.config.MF_ETCD_URL);
    await etcd.delete().prefix(this.config.MF_ETCD_PREFIX);
    etcd.close();
    await this.database.drop();
  }
}

/** An `Authorization` header with Basic credentials. */
export function basic(nickname: string, password: string): string {
  return `Basic ${Buffer.from(`${nickname}:${password}`).toString('base64')}`;
}

/** A nickname no other test (or run) uses. */
export function uniqueNickname(stem = 'user'): string {
  return `${stem}_${Math.random().toString(36).slice(2, 10)}`;
}

/** The port a listening server got. */
export function portOf(server: { address(): string | { port: number } | null }): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return address.port;
}
