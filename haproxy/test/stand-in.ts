import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  balancerCaughtUp,
  createServiceApp,
  newInstanceId,
  Registration,
  registryKeys,
  startService,
  type Etcd3,
  type BaseConfig,
  type RunningService,
  type ServiceConfigRecord,
} from '@microflack/common';
import { silentLogger } from '@microflack/common/testing';

/** What a stand-in answers on every path under its location. */
export interface StandInAnswer {
  service: string;
  port: number;
  method: string;
  path: string;
}

/**
 * Starts a real, registered instance of `name` through common's `startService` that answers
 * every request under its location with a {@link StandInAnswer}.
 */
export async function startStandIn(
  config: BaseConfig,
  name: string,
  route: Partial<ServiceConfigRecord> = {},
): Promise<RunningService> {
  const location = route.location ?? `/api/${name}`;
  return startService({
    name,
    version: '0.0.0',
    route: { location, balance: 'roundrobin', sticky: false, ...route },
    config,
    logger: silentLogger(),
    build: ({ logger }) => ({
      app: createServiceApp(logger, (app) => {
        app.all(/.*/, (req, res) => {
          const answer: StandInAnswer = {
            service: name,
            port: req.socket.localPort ?? 0,
            method: req.method,
            path: req.path,
          };
          res.json(answer);
        });
      }),
    }),
  });
}

/** The port of an instance, as its answers report it. */
export function portOf(service: RunningService): number {
  return Number(service.instance.address.split(':').pop());
}

/** A registered instance with nothing but an HTTP server: cheap enough to start fifty in a row. */
export interface LightInstance {
  port: number;
  /** The SPEC §4 graceful stop: deregister, answer 503 on /healthz, wait for the balancer, close. */
  stop(): Promise<void>;
}

/**
 * Starts a {@link LightInstance} of `name`: a bare `node:http` server registered through common's
 * `Registration`, answering like {@link startStandIn}. Churn tests use it because a full
 * `startService` (its own etcd client, revocation watch, Express) costs ~100 ms per start.
 */
export async function startLightInstance(
  etcd: Etcd3,
  prefix: string,
  name: string,
): Promise<LightInstance> {
  let draining = false;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/healthz') return void res.writeHead(draining ? 503 : 200).end();
      const answer: StandInAnswer = {
        service: name,
        port: req.socket.localPort ?? 0,
        method: req.method ?? '',
        path: req.url ?? '',
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const registration = new Registration({
    etcd,
    prefix,
    ttlSeconds: 5,
    config: { location: `/api/${name}`, balance: 'roundrobin', sticky: false },
    instance: {
      id: newInstanceId(name, '0.0.0'),
      service: name,
      version: '0.0.0',
      address: `127.0.0.1:${port}`,
      started_at: Date.now(),
    },
    logger: silentLogger(),
  });
  await registration.register();
  return {
    port,
    async stop() {
      draining = true;
      const revision = await registration.deregister();
      if (revision !== undefined) {
        const key = registryKeys(prefix).balancer;
        await balancerCaughtUp(etcd, key, revision, AbortSignal.timeout(10_000));
      }
      const closed = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      await closed;
    },
  };
}
