import type { z } from 'zod';
import { baseEnv, type BaseConfig } from '../config.js';
import { connectEtcd } from '../etcd.js';
import { startService, type RunningService, type ServiceDefinition } from '../lifecycle.js';
import { connectRedis } from '../redis.js';
import { silentLogger, testConfig, uniquePrefix } from './config.js';
import { freshDatabase, type TestDatabase } from './database.js';

/**
 * One test file's platform: instances on one unique etcd prefix (so one Socket.IO channel and
 * one set of Redis keys), the databases made for them, and everything to close. `close()` leaves
 * no trace: instances stopped, cleanups run, the prefix deleted in etcd and Redis, databases dropped.
 */
export class TestPlatform {
  /** The platform's base configuration: its prefix, and its load balancer when it has one. */
  readonly config: BaseConfig;
  private readonly shared: Record<string, string>;
  private readonly instances: RunningService[] = [];
  private readonly databases: TestDatabase[] = [];
  private readonly closers: (() => unknown)[] = [];

  /** @param overrides variables every service of the platform gets (`MF_BALANCER_URL`, …). */
  constructor(overrides: Record<string, string> = {}) {
    this.shared = { MF_ETCD_PREFIX: uniquePrefix(), ...overrides };
    this.config = testConfig(baseEnv, this.shared);
  }

  /** A service's configuration on this platform: `shape` parsed with the platform's variables. */
  configFor<Shape extends z.ZodRawShape>(
    shape: Shape,
    overrides: Record<string, string> = {},
  ): z.infer<z.ZodObject<Shape>> {
    return testConfig(shape, { ...this.shared, ...overrides });
  }

  /** The URL of a fresh, empty database, dropped with the platform. */
  async database(): Promise<string> {
    const database = await freshDatabase();
    this.databases.push(database);
    return database.url;
  }

  /** Starts an instance (silent unless given a logger); it is stopped with the platform. */
  async start<C extends BaseConfig>(
    definition: ServiceDefinition<C>,
    logger = silentLogger(),
  ): Promise<RunningService> {
    const instance = await startService({ ...definition, logger });
    this.instances.push(instance);
    return instance;
  }

  /** Registers a cleanup, run after the instances stopped (last registered first). */
  onClose(closer: () => unknown): void {
    this.closers.push(closer);
  }

  /** Stops everything the platform started and removes its traces. */
  async close(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((instance) => instance.stop()));
    for (const close of this.closers.splice(0).reverse()) await close();
    const { MF_ETCD_PREFIX: prefix } = this.config;
    const etcd = connectEtcd(this.config);
    await etcd.delete().prefix(prefix);
    etcd.close();
    const redis = await connectRedis(this.config.REDIS_URL, silentLogger());
    const leftovers = await redis.keys(`${prefix}*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
    await Promise.all(this.databases.splice(0).map((database) => database.drop()));
  }
}
