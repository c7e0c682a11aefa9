import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import {
  broadcastKey,
  Broadcaster,
  connectEtcd,
  connectRedis,
  limitsFor,
  openDatabase,
  RevocationSet,
  TokenKeys,
  type ModelClass,
  type Pool,
  type Redis,
  type RunningService,
  type ServerToClientEvents,
} from '@microflack/common';
import {
  portOf,
  randomAddress,
  silentLogger,
  TestPlatform,
  uniqueNickname,
  waitFor,
} from '@microflack/common/testing';
import { usersEnv, usersDefinition, type User, type UsersConfig } from '../src/definition.js';
import { usersLimits } from '../src/abuse-limits.js';
import { HashBudget } from '../src/hash-budget.js';
import { Users } from '../src/users.js';
import { UsersRepo } from '../src/users-repo.js';

export const MIGRATIONS = fileURLToPath(new URL('../migrations/', import.meta.url));

/** One test file's world: users instances on a platform of their own, with a fresh database. */
export class UsersWorld {
  readonly keys: TokenKeys;

  private constructor(
    readonly platform: TestPlatform,
    readonly config: UsersConfig,
  ) {
    this.keys = new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL);
  }

  /** A fresh database and configuration (bcrypt cost 4 keeps hashing fast). */
  static async create(overrides: Record<string, string> = {}): Promise<UsersWorld> {
    const platform = new TestPlatform();
    const config = platform.configFor(usersEnv, {
      DATABASE_URL: await platform.database(),
      BCRYPT_COST: '4',
      MF_DRAIN_TIMEOUT: '2',
      ...overrides,
    });
    return new UsersWorld(platform, config);
  }

  /** Starts one more users instance on this world's database, etcd prefix and Redis. */
  start(overrides: Partial<UsersConfig> = {}): Promise<RunningService> {
    return this.platform.start(usersDefinition({ ...this.config, ...overrides }));
  }

  /**
   * Registers a user through `url` and gives it back with its password and a fresh token. Each
   * comes from an address of its own (the load balancer's `X-Forwarded-For`), as real sign-ups do.
   */
  async register(url: string, nickname = uniqueNickname(), password = 'password1') {
    const response = await request(url)
      .post('/api/users')
      .set('x-forwarded-for', randomAddress())
      .send({ nickname, password });
    const user = userShape.parse(response.body);
    return { ...user, password, token: this.keys.sign(user.id).token };
  }

  /** A pool on the world's database, migrated. */
  async pool(): Promise<Pool> {
    const pool = await openDatabase(this.config.DATABASE_URL, MIGRATIONS, silentLogger());
    this.onClose(() => pool.end());
    return pool;
  }

  /** A Redis connection closed with the world. */
  async redis(): Promise<Redis> {
    const redis = await connectRedis(this.config.REDIS_URL, silentLogger());
    this.onClose(() => redis.quit());
    return redis;
  }

  /** A revocation set on the world's prefix, closed with the world. */
  async revocations(): Promise<RevocationSet> {
    const etcd = connectEtcd(this.config);
    const set = await RevocationSet.start(etcd, this.config.MF_ETCD_PREFIX, silentLogger());
    this.onClose(async () => {
      await set.close();
      etcd.close();
    });
    return set;
  }

  /** A users domain with its own pool and Redis connection, as another instance would have. */
  async domain(): Promise<{ users: Users; broadcaster: Broadcaster }> {
    const redis = await this.redis();
    const broadcaster = new Broadcaster(redis, this.config.MF_ETCD_PREFIX, silentLogger());
    const users = new Users({
      repo: new UsersRepo(await this.pool()),
      limits: usersLimits(limitsFor(redis, this.config)),
      hashing: new HashBudget(this.config.USERS_BCRYPT_MAX_PENDING),
      revocations: await this.revocations(),
      tokenTtlSeconds: this.config.TOKEN_TTL,
      broadcaster,
      bcryptCost: this.config.BCRYPT_COST,
      offlineAfterSeconds: this.config.USERS_OFFLINE_AFTER,
    });
    return { users, broadcaster };
  }

  /** Registers a cleanup. */
  onClose(closer: () => unknown): void {
    this.platform.onClose(closer);
  }

  /** Stops every instance and removes every trace of the world. */
  close(): Promise<void> {
    return this.platform.close();
  }
}

function isProbe(model: unknown, probe: string): boolean {
  return typeof model === 'object' && model !== null && 'probe' in model && model.probe === probe;
}

/** A received `updated_model` broadcast. */
export interface Broadcast {
  class: ModelClass;
  model: unknown;
}

const milliseconds = z.number().int().min(1_000_000_000_000);

/** Exactly the API's user (docs/api.md): these keys and no other (no password hash, ever). */
export const userShape = z.strictObject({
  id: z.number().int().positive(),
  nickname: z.string(),
  online: z.boolean(),
  created_at: milliseconds,
  updated_at: milliseconds,
  last_seen_at: milliseconds,
  _links: z.strictObject({ self: z.string(), messages: z.string() }),
});

/** The body of `GET /api/users`. */
export const userList = z.strictObject({ users: userShape.array() });

/**
 * A real Socket.IO server on the Redis adapter with one client connected to it: what browsers
 * would see. Resolves once a probe broadcast made the whole trip, so nothing sent after is missed.
 */
export async function listenToBroadcasts(world: UsersWorld): Promise<{
  updates: Broadcast[];
  /** The `User` models received for `id`. */
  userUpdates(id: number): User[];
  /** Resolves once everything `broadcaster` published before this call has been received. */
  flushed(broadcaster: Broadcaster): Promise<void>;
}> {
  const http = createServer();
  const io = new Server<Record<string, never>, ServerToClientEvents>(http, {
    adapter: createAdapter(await world.redis(), await world.redis(), {
      key: broadcastKey(world.config.MF_ETCD_PREFIX),
    }),
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const client: Socket<ServerToClientEvents> = connect(`http://127.0.0.1:${portOf(http)}`, {
    transports: ['websocket'],
  });
  world.onClose(() => io.close());
  world.onClose(() => client.close());
  const updates: Broadcast[] = [];
  client.on('updated_model', (payload) => updates.push(payload));
  await new Promise<void>((resolve) => client.once('connect', resolve));
  let probes = 0;
  const flushed = async (broadcaster: Broadcaster, timeoutMs = 5000) => {
    // One connection's publications arrive in order: once the probe is in, so is all before it.
    const probe = `probe-${++probes}`;
    broadcaster.updated('User', { probe });
    const arrived = () => updates.some((update) => isProbe(update.model, probe));
    await waitFor(arrived, { timeoutMs, what: `broadcast ${probe}` });
  };
  // The adapter subscribes in the background: probe until one makes the trip.
  const prober = new Broadcaster(await world.redis(), world.config.MF_ETCD_PREFIX, silentLogger());
  await waitFor(() => flushed(prober, 200).then(() => true), {
    timeoutMs: 10_000,
    what: 'the adapter to subscribe',
  });
  return {
    updates,
    userUpdates: (id) =>
      updates.flatMap((update) => {
        const user = userShape.safeParse(update.model);
        return update.class === 'User' && user.success && user.data.id === id ? [user.data] : [];
      }),
    flushed,
  };
}

/**
 * A {@link UsersWorld} for the file's tests, with one instance started and a pool on its
 * database, closed after them.
 */
export function useUsersWorld() {
  let started: { world: UsersWorld; instance: RunningService; pool: Pool } | undefined;
  beforeAll(async () => {
    const world = await UsersWorld.create();
    started = { world, instance: await world.start(), pool: await world.pool() };
  });
  afterAll(async () => started?.world.close());
  const get = () => {
    if (!started) throw new Error('the users world starts in beforeAll');
    return started;
  };
  return { world: () => get().world, instance: () => get().instance, pool: () => get().pool };
}
