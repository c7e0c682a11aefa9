import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  baseEnv,
  connectEtcd,
  createServiceApp,
  registryKeys,
  startService,
  type BaseConfig,
  type RunningService,
  type ServiceDefinition,
} from '@microflack/common';
import { portOf, silentLogger, testConfig, waitFor } from '@microflack/common/testing';

const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '5' });
const keys = registryKeys(config.MF_ETCD_PREFIX);
const etcd = connectEtcd(config);
const started: RunningService[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((instance) => instance.stop()));
});
afterAll(async () => {
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

/** Starts an in-process instance whose routes `mount` defines. */
async function start(
  mount: ServiceDefinition<BaseConfig>['build'],
  overrides: Partial<BaseConfig> = {},
) {
  const instance = await startService({
    name: 'probe',
    version: '1.2.3',
    route: { location: '/api/probe', balance: 'roundrobin', sticky: false },
    config: { ...config, MF_VERSION: undefined, ...overrides },
    logger: silentLogger(),
    build: mount,
  });
  started.push(instance);
  return instance;
}

describe('startService', () => {
  it('when started, then /healthz is 200 and /metrics counts requests by route', async () => {
    const instance = await start(({ logger }) => ({
      app: createServiceApp(logger, (app) =>
        app.get('/api/probe/:id', (_req, res) => res.json({})),
      ),
    }));

    await fetch(`${instance.url}/api/probe/1`);
    const health = await fetch(`${instance.url}/healthz`);
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();

    expect(health.status).toBe(200);
    expect(metrics).toMatch(
      /http_requests_total\{[^}]*route="\/api\/probe\/:id"[^}]*status="200"[^}]*\} 1/,
    );
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');
    expect(instance.instance.version).toMatch(/^1\.2\.3(-[0-9a-f]+)?$/);
  });

  it('when stopped, then it deregisters first, drains in-flight requests, and /healthz says 503 meanwhile', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const instance = await start(({ logger }) => ({
      app: createServiceApp(logger, (app) =>
        app.get('/api/probe/slow', async (_req, res) => {
          arrived();
          await held;
          res.json({ finished: true });
        }),
      ),
    }));
    // A balancer that has not yet applied the deregistration keeps the instance serving.
    await etcd.put(keys.balancer).value(JSON.stringify({ revision: '1' }));
    const slow = fetch(`${instance.url}/api/probe/slow`);
    await inFlight;

    const stopped = instance.stop();
    await waitFor(async () => (await etcd.get(instance.registration.key).string()) === null);
    const health = await fetch(`${instance.url}/healthz`);
    const current = await etcd.get(keys.balancer).exec();
    await etcd.put(keys.balancer).value(JSON.stringify({ revision: current.header.revision }));
    release();

    expect(health.status).toBe(503);
    expect(await (await slow).json()).toEqual({ finished: true });
    await stopped;
    await expect(fetch(`${instance.url}/healthz`)).rejects.toThrow();
    await etcd.delete().key(keys.balancer);
  });

  it('when the drain deadline passes before a request ends, then stop closes its connection', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const instance = await start(
      ({ logger }) => ({
        app: createServiceApp(logger, (app) =>
          app.get('/api/probe/stuck', async (_req, res) => {
            arrived();
            await held;
            res.json({});
          }),
        ),
      }),
      { MF_DRAIN_TIMEOUT: 0.3 },
    );
    // A balancer that never applies the deregistration: the deadline passes while stop awaits it.
    await etcd.put(keys.balancer).value(JSON.stringify({ revision: '1' }));
    const stuck = fetch(`${instance.url}/api/probe/stuck`).catch((error: unknown) => error);
    await inFlight;

    await instance.stop();

    expect(await stuck).toBeInstanceOf(Error);
    release();
    await etcd.delete().key(keys.balancer);
  });

  it('when a request calls another service, then its request id goes along', async () => {
    const seen: IncomingMessage[] = [];
    const upstream = createServer((req, res) => {
      seen.push(req);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const instance = await start(
      ({ logger, client }) => ({
        app: createServiceApp(logger, (app) =>
          app.get('/api/probe/call', async (_req, res) => {
            res.json((await client.request('GET', '/api/other')).body);
          }),
        ),
      }),
      { MF_BALANCER_URL: `http://127.0.0.1:${portOf(upstream)}` },
    );

    await fetch(`${instance.url}/api/probe/call`, { headers: { 'x-request-id': 'trace-me-42' } });

    expect(seen[0]?.headers['x-request-id']).toBe('trace-me-42');
    upstream.close();
  });
});
