import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, connectEtcd, type Logger } from '@microflack/common';
import {
  freePort,
  silentLogger,
  testEtcdAccess,
  testConfig,
  TestPlatform,
  uniquePrefix,
  waitFor,
} from '@microflack/common/testing';
import { PLATFORM_CATALOG, type Catalog } from './catalog.js';
import { haproxyPaths, type HaproxyPaths } from './config.js';
import { haproxyArgs, prepareConfig } from './haproxy-process.js';
import { MasterSocket } from './master-socket.js';
import type { HttpsSettings, RenderSettings } from './render.js';
import { BalancerWatcher, type WatcherOptions } from './watcher.js';

/** What {@link startTestBalancer} needs: the registry to follow (as the tests' etcd user). */
export interface TestBalancerOptions {
  etcdUrl: string[];
  prefix: string;
  /** Logs of the watcher (silent by default). */
  logger?: Logger;
  /** Replaces the renderer (to test configurations HAProxy refuses). */
  render?: WatcherOptions['render'];
  /** Which service may serve which location; by default {@link TEST_CATALOG}. */
  catalog?: Catalog;
  /** An HTTPS listener too (on a free port). */
  https?: Omit<HttpsSettings, 'port'>;
}

/**
 * The platform's catalog, with any other service (a stand-in, a benchmark's) routed at
 * `/api/<its name>`: what tests and benchmarks register. Still no service gets another's location.
 */
export const TEST_CATALOG: Catalog = { ...PLATFORM_CATALOG, admitOthers: true };

/** A private HAProxy and watcher for one test file. */
export interface TestBalancer {
  /** The load balancer, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Its HTTPS listener, e.g. `https://127.0.0.1:41235`, when asked for. */
  httpsUrl?: string;
  /** The stats page (basic auth: {@link statsAuth}). */
  statsUrl: string;
  /** `user:password` of the stats page. */
  statsAuth: string;
  /** The master CLI of this HAProxy. */
  master: MasterSocket;
  /** The watcher, for tests that count reloads or wait for `synced`. */
  watcher: BalancerWatcher;
  /** The directory holding haproxy.cfg, the state file, the socket and haproxy.log. */
  paths: HaproxyPaths;
  /** Stops the watcher and HAProxy and removes the directory. */
  stop(): Promise<void>;
}

const STATS_AUTH = 'admin:test-stats-password';

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM'); // hard stop: the master takes its workers with it
  await exited;
}

/** `count` distinct free ports. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Starts HAProxy on free ports; retries when another process took a port meanwhile. */
async function startHaproxy(
  paths: HaproxyPaths,
  https: TestBalancerOptions['https'],
): Promise<[ChildProcess, RenderSettings]> {
  for (let attempt = 1; ; attempt++) {
    const [balancerPort = 0, statsPort = 0, httpsPort = 0] = await freePorts(3);
    const settings: RenderSettings = {
      bindHost: '127.0.0.1',
      balancerPort,
      statsPort,
      statsAuth: STATS_AUTH,
      stateFile: paths.state,
      adminSocket: paths.adminSocket,
      peersSocket: paths.peersSocket,
      hardStopAfterSeconds: 30,
      // As production should: a root-started HAProxy's workers drop root (Debian's names).
      ...(process.getuid?.() === 0 ? { runAs: { user: 'nobody', group: 'nogroup' } } : {}),
      ...(https ? { https: { ...https, port: httpsPort } } : {}),
    };
    rmSync(paths.config, { force: true });
    await prepareConfig('haproxy', paths, settings);
    const log = openSync(join(paths.dir, 'haproxy.log'), 'a');
    const child = spawn('haproxy', haproxyArgs(paths), { stdio: ['ignore', log, log] });
    closeSync(log);
    const exited = once(child, 'exit').then(() => false);
    const healthy = waitFor(async () => (await fetch(`http://127.0.0.1:${statsPort}/healthz`)).ok, {
      timeoutMs: 10_000,
      what: 'the test HAProxy to answer',
    }).catch(() => false);
    if (await Promise.race([healthy, exited])) return [child, settings];
    if (attempt >= 3) throw new Error(`HAProxy did not start; see ${paths.dir}/haproxy.log`);
  }
}

/**
 * Starts a private HAProxy and balancer watcher on free ports in a temporary directory, following
 * the registry under `prefix`. Resolves once HAProxy runs a configuration for the registry as it
 * is now, so an instance registered before the call is already routed.
 */
export async function startTestBalancer(options: TestBalancerOptions): Promise<TestBalancer> {
  const paths = haproxyPaths(mkdtempSync(join(tmpdir(), 'mf-haproxy-')));
  const [haproxy, settings] = await startHaproxy(paths, options.https);
  const etcd = connectEtcd(testEtcdAccess(options.etcdUrl));
  const watcher = new BalancerWatcher({
    etcd,
    prefix: options.prefix,
    leaseTtlSeconds: 5,
    settings,
    catalog: options.catalog ?? TEST_CATALOG,
    configFile: paths.config,
    masterSocket: paths.masterSocket,
    adminSocket: paths.adminSocket,
    haproxy: 'haproxy',
    minReloadIntervalMs: 500,
    logger: options.logger ?? silentLogger(),
    render: options.render,
  });
  const synced = once(watcher, 'synced');
  await watcher.start();
  await synced;
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await watcher.stop();
    etcd.close();
    await stopProcess(haproxy);
    rmSync(paths.dir, { recursive: true, force: true });
  };
  return {
    url: `http://127.0.0.1:${settings.balancerPort}`,
    ...(settings.https ? { httpsUrl: `https://127.0.0.1:${settings.https.port}` } : {}),
    statsUrl: `http://127.0.0.1:${settings.statsPort}/stats`,
    statsAuth: STATS_AUTH,
    master: new MasterSocket(paths.masterSocket),
    watcher,
    paths,
    stop: () => (stopping ??= stop()),
  };
}

/**
 * A {@link TestPlatform} behind its own test balancer: every service started on the platform
 * gets `MF_BALANCER_URL` pointing at it, and the balancer stops with the platform, after the
 * instances drained through it.
 */
export async function startTestPlatform(
  overrides: Record<string, string> = {},
): Promise<{ platform: TestPlatform; balancer: TestBalancer }> {
  const prefix = uniquePrefix();
  const { MF_ETCD_URL } = testConfig(baseEnv, { ...overrides, MF_ETCD_PREFIX: prefix });
  const balancer = await startTestBalancer({ etcdUrl: MF_ETCD_URL, prefix });
  const platform = new TestPlatform({
    ...overrides,
    MF_ETCD_PREFIX: prefix,
    MF_BALANCER_URL: balancer.url,
  });
  platform.onClose(() => balancer.stop());
  return { platform, balancer };
}
