import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Etcd3 } from 'etcd3';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { TokenAuth } from './auth.js';
import { balancerCaughtUp } from './balancer.js';
import type { BaseConfig } from './config.js';
import { openDatabase } from './db.js';
import { connectEtcd } from './etcd.js';
import { createLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { connectRedis, type Redis } from './redis.js';
import { newInstanceId, Registration } from './registry.js';
import { registryKeys, type InstanceRecord, type ServiceConfigRecord } from './registry-keys.js';
import { RevocationSet } from './revocations.js';
import { ServiceClient } from './service-client.js';
import { TokenKeys } from './tokens.js';

type Closer = () => unknown;

/** Everything a service's `build` gets from common: connections are opened and closed here. */
export interface ServiceContext<C extends BaseConfig> {
  config: C;
  /** The id this instance will register under (`<service>-<version>-<8 hex>`). */
  instanceId: string;
  logger: Logger;
  etcd: Etcd3;
  auth: TokenAuth & { revoked: RevocationSet };
  client: ServiceClient;
  metrics: Metrics;
  /** Opens (creating if needed) and migrates a database; the pool is closed at stop. */
  database(url: string, migrationsDir: string): Promise<Pool>;
  /** Connects a Redis client to `REDIS_URL`; it is closed at stop. */
  redis(): Promise<Redis>;
  /** Registers a cleanup to run at stop, after the server closed (last registered runs first). */
  onClose(closer: Closer): void;
}

/** What a service builds: its app, and optional hooks on the HTTP server and on drain. */
export interface ServiceParts {
  app: express.Express;
  /** Called once the HTTP server exists (Socket.IO attaches here). */
  attach?(server: Server): void;
  /** Called after the balancer dropped the instance, before the server closes (close sockets). */
  drain?(): Promise<void>;
}

/** A service's identity, routing and construction. */
export interface ServiceDefinition<C extends BaseConfig> {
  name: string;
  /** The package version; the short git hash is appended unless `MF_VERSION` is set. */
  version: string;
  route: ServiceConfigRecord;
  config: C;
  build(context: ServiceContext<C>): Promise<ServiceParts> | ServiceParts;
  /** The logger to use (tests pass a silent one); by default one is created. */
  logger?: Logger;
}

/** A started, registered instance. */
export interface RunningService {
  instance: InstanceRecord;
  /** `http://address` of the instance itself. */
  url: string;
  registration: Registration;
  /** Whether the instance is draining (its `/healthz` answers 503). */
  readonly draining: boolean;
  /** The graceful stop of SPEC §4; resolves when everything is closed. */
  stop(): Promise<void>;
}

/** `<package version>-<short git hash>`, or `MF_VERSION` when set (image tags, upgrades). */
export function resolveVersion(packageVersion: string, override: string | undefined): string {
  if (override) return override;
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return hash ? `${packageVersion}-${hash}` : packageVersion;
  } catch {
    return packageVersion;
  }
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * Starts one instance: builds the service (migrations and dependencies first), listens on
 * `PORT` (0 = ephemeral), serves `/healthz` and `/metrics`, and registers in etcd only then.
 * The returned `stop()` is the graceful stop; {@link runService} wires it to SIGTERM/SIGINT.
 */
export async function startService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
): Promise<RunningService> {
  const { config, name } = definition;
  const logger = definition.logger ?? createLogger(name, config.LOG_LEVEL);
  const closers: Closer[] = [];
  const etcd = connectEtcd(config.MF_ETCD_URL);
  closers.push(() => etcd.close());
  const revoked = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, logger);
  closers.push(() => revoked.close());
  const metrics = createMetrics(name);
  const version = resolveVersion(definition.version, config.MF_VERSION);
  const instanceId = config.MF_INSTANCE_ID ?? newInstanceId(name, version);
  const context: ServiceContext<C> = {
    config,
    instanceId,
    logger,
    etcd,
    auth: { keys: new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL), revoked },
    client: new ServiceClient(config.MF_BALANCER_URL, logger),
    metrics,
    async database(url, migrationsDir) {
      const pool = await openDatabase(url, migrationsDir, logger);
      closers.push(() => pool.end());
      return pool;
    },
    async redis() {
      const redis = await connectRedis(config.REDIS_URL, logger);
      closers.push(() => redis.quit());
      return redis;
    },
    onClose: (closer) => closers.push(closer),
  };
  const parts = await definition.build(context);

  let draining = false;
  const outer = express();
  outer.disable('x-powered-by');
  outer.get('/healthz', (_req, res) => {
    res.status(draining ? 503 : 200).json({ status: draining ? 'draining' : 'ok' });
  });
  outer.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  outer.use(metrics.track, parts.app);

  const server = createServer(outer);
  parts.attach?.(server);
  const port = await listen(server, config.PORT, config.MF_HOST);
  const instance: InstanceRecord = {
    id: instanceId,
    service: name,
    version,
    address: `${config.MF_ADVERTISE_HOST ?? config.MF_HOST}:${port}`,
    started_at: Date.now(),
  };
  const registration = new Registration({
    etcd,
    prefix: config.MF_ETCD_PREFIX,
    ttlSeconds: config.MF_LEASE_TTL,
    config: definition.route,
    instance,
    logger,
  });
  await registration.register();
  logger.info({ instance }, 'serving');

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const deadline = AbortSignal.timeout(config.MF_DRAIN_TIMEOUT * 1000);
    draining = true;
    logger.info('draining');
    const revision = await registration.deregister();
    if (revision !== undefined) {
      await balancerCaughtUp(
        etcd,
        registryKeys(config.MF_ETCD_PREFIX).balancer,
        revision,
        deadline,
      ).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not confirm the balancer dropped us'),
      );
    }
    await parts.drain?.();
    const closed = once(server, 'close');
    server.close();
    server.closeIdleConnections();
    const onDeadline = () => server.closeAllConnections();
    deadline.addEventListener('abort', onDeadline, { once: true });
    await closed;
    deadline.removeEventListener('abort', onDeadline);
    for (const closer of closers.reverse()) {
      try {
        await closer();
      } catch (error) {
        logger.warn({ err: error }, 'close failed');
      }
    }
    logger.info('stopped');
  };
  return {
    instance,
    url: `http://${instance.address}`,
    registration,
    get draining() {
      return draining;
    },
    stop: () => (stopping ??= stop()),
  };
}

/**
 * The whole life of a service process: start, then on SIGTERM or SIGINT stop gracefully and
 * exit 0 (1 if the stop itself failed). A failed start exits 1 with the reason logged.
 */
export async function runService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
): Promise<void> {
  const logger = definition.logger ?? createLogger(definition.name, definition.config.LOG_LEVEL);
  let running: RunningService;
  try {
    running = await startService({ ...definition, logger });
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.exit(1);
  }
  stopOnSignals(logger, () => running.stop());
}

/**
 * On the first SIGTERM or SIGINT, runs `stop` and exits 0, or 1 when `stop` fails: the end of
 * every long-running MicroFlack process.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<unknown>): void {
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stop requested');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
