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
import { resolveVersion } from './package-version.js';
import { guardProcess, stopOnSignals } from './process-guard.js';
import { newInstanceId, Registration } from './registry.js';
import { registryKeys } from './registry-keys.js';
import type { InstanceRecord, ServiceConfigRecord } from './registry-records.js';
import { RevocationSet } from './revocations.js';
import { ServiceClient } from './service-client.js';
import { TokenKeys } from './tokens.js';
import { untilAborted } from './wait.js';

type Closer = () => unknown;

/** How long an idle client connection stays open: longer than HAProxy keeps one for reuse. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

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
  /**
   * Builds the service from its context, once per instance, before it listens:
   * - open what it needs through the context (`context.database(...)`, `context.redis()`), so
   *   common closes it at stop; anything else it opens, it hands to `context.onClose`;
   * - return its Express app (routes only: `/healthz` and `/metrics` are common's), plus
   *   `attach` to hook onto the HTTP server and `drain` to close long-lived connections;
   * - throw to refuse to start: nothing has been registered yet.
   * The instance registers only after `build` returned and the server listens.
   */
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
  /** The graceful stop (docs/architecture.md, instance lifecycle); resolves when all is closed. */
  stop(): Promise<void>;
}

/** Step 1: connects etcd, follows revocations and hands `build` its context. */
async function buildContext<C extends BaseConfig>(
  { config, name }: ServiceDefinition<C>,
  version: string,
  logger: Logger,
  closers: Closer[],
): Promise<ServiceContext<C>> {
  const etcd = connectEtcd(config);
  closers.push(() => etcd.close());
  const revoked = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, logger);
  closers.push(() => revoked.close());
  return {
    config,
    instanceId: config.MF_INSTANCE_ID ?? newInstanceId(name, version),
    logger,
    etcd,
    auth: { keys: new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL), revoked },
    client: new ServiceClient(config.MF_BALANCER_URL, logger),
    metrics: createMetrics(name),
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
}

/** Step 2: the instance's app: `/healthz` (503 once draining), `/metrics`, then the service. */
function instanceApp(
  app: express.Express,
  metrics: Metrics,
  draining: () => boolean,
): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.get('/healthz', (_req, res) => {
    res.status(draining() ? 503 : 200).json({ status: draining() ? 'draining' : 'ok' });
  });
  outer.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  outer.use(metrics.track, app);
  return outer;
}

/** Step 3: listens on `PORT` (0 = ephemeral), then registers the instance in etcd. */
async function listenAndRegister<C extends BaseConfig>(
  server: Server,
  definition: ServiceDefinition<C>,
  context: ServiceContext<C>,
  version: string,
): Promise<Registration> {
  const { config, logger } = context;
  server.listen(config.PORT, config.MF_HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const instance: InstanceRecord = {
    id: context.instanceId,
    service: definition.name,
    version,
    address: `${config.MF_ADVERTISE_HOST ?? config.MF_HOST}:${port}`,
    started_at: Date.now(),
  };
  const registration = new Registration({
    etcd: context.etcd,
    prefix: config.MF_ETCD_PREFIX,
    ttlSeconds: config.MF_LEASE_TTL,
    config: definition.route,
    instance,
    logger,
  });
  await registration.register();
  logger.info({ instance }, 'serving');
  return registration;
}

/**
 * Leaves the registry and waits (until `deadline`) for the balancer to stop sending requests;
 * an etcd that does not answer holds neither step past the deadline.
 */
async function leaveBalancer(
  registration: Registration,
  context: ServiceContext<BaseConfig>,
  deadline: AbortSignal,
): Promise<void> {
  const revision = await untilAborted(registration.deregister(), deadline);
  if (revision === undefined) return;
  const key = registryKeys(context.config.MF_ETCD_PREFIX).balancer;
  if (!(await balancerCaughtUp(context.etcd, key, revision, deadline))) {
    context.logger.warn('could not confirm the balancer dropped us before the drain deadline');
  }
}

/**
 * Closes the server: idle connections at once, busy ones when their request ends or, at the
 * latest, at `deadline` — which may already have passed while the balancer was awaited.
 */
async function closeServer(server: Server, deadline: AbortSignal): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  server.closeIdleConnections();
  const onDeadline = () => server.closeAllConnections();
  if (deadline.aborted) onDeadline();
  else deadline.addEventListener('abort', onDeadline, { once: true });
  await closed;
  deadline.removeEventListener('abort', onDeadline);
}

/** Runs the closers, last registered first; a failing one is logged and the rest still run. */
async function runClosers(closers: Closer[], logger: Logger): Promise<void> {
  for (const closer of closers.reverse()) {
    try {
      await closer();
    } catch (error) {
      logger.warn({ err: error }, 'close failed');
    }
  }
}

/** What the graceful stop acts on. */
interface StopParts {
  registration: Registration;
  server: Server;
  parts: ServiceParts;
  closers: Closer[];
  /** Turns `/healthz` to 503. */
  startDraining: () => void;
}

/**
 * Step 4, the graceful stop: `/healthz` turns 503, the instance deregisters and waits for the
 * balancer, the service drains, the server closes (forcibly after `MF_DRAIN_TIMEOUT`), then
 * every connection common opened closes.
 */
async function gracefulStop(
  context: ServiceContext<BaseConfig>,
  { registration, server, parts, closers, startDraining }: StopParts,
): Promise<void> {
  const deadline = AbortSignal.timeout(context.config.MF_DRAIN_TIMEOUT * 1000);
  startDraining();
  context.logger.info('draining');
  await leaveBalancer(registration, context, deadline);
  if (parts.drain) await untilAborted(parts.drain(), deadline);
  await closeServer(server, deadline);
  await runClosers(closers, context.logger);
  context.logger.info('stopped');
}

/**
 * Starts one instance: builds the service (migrations and dependencies first), listens on
 * `PORT`, serves `/healthz` and `/metrics`, and registers in etcd only then. The returned
 * `stop()` is the graceful stop; {@link runService} wires it to SIGTERM/SIGINT.
 */
export async function startService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
): Promise<RunningService> {
  const logger = definition.logger ?? createLogger(definition.name, definition.config.LOG_LEVEL);
  const version = resolveVersion(definition.version, definition.config.MF_VERSION);
  const closers: Closer[] = [];
  const context = await buildContext(definition, version, logger, closers);
  const parts = await definition.build(context);
  let draining = false;
  const server = createServer(instanceApp(parts.app, context.metrics, () => draining));
  // HAProxy reuses an idle connection to an instance for up to its `timeout server` (60 s): the
  // instance must never be the side that closes it first, or a request sent on it as it closes
  // fails (a 502 for a POST, which HAProxy may not retry).
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  parts.attach?.(server);
  const registration = await listenAndRegister(server, definition, context, version);
  const startDraining = () => (draining = true);
  let stopping: Promise<void> | undefined;
  return {
    instance: registration.instance,
    url: `http://${registration.instance.address}`,
    registration,
    stop: () =>
      (stopping ??= gracefulStop(context, { registration, server, parts, closers, startDraining })),
  };
}

/**
 * The whole life of a service process: start, then on SIGTERM or SIGINT stop gracefully and
 * exit 0 (1 if the stop itself failed). A failed start exits 1 with the reason logged. The
 * process is guarded ({@link guardProcess}) and listens for signals from the start on.
 */
export async function runService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
): Promise<void> {
  const logger = definition.logger ?? createLogger(definition.name, definition.config.LOG_LEVEL);
  const starting = startService({ ...definition, logger });
  // Installed before the start ends: a SIGTERM that arrives while the instance registers stops
  // it gracefully once it has started, instead of killing it with its key left in etcd.
  const stop = async () => (await starting).stop();
  guardProcess(logger, stop);
  stopOnSignals(logger, stop);
  try {
    await starting;
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.exit(1);
  }
}
