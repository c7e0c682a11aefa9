import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  balancerCaughtUp,
  newInstanceId,
  Registration,
  registryKeys,
  type Etcd3,
} from '@microflack/common';
import { silentLogger } from '@microflack/common/testing';

/** A registered instance with nothing but an HTTP server: cheap enough to start fifty in a row. */
export interface LightInstance {
  port: number;
  /** The SPEC §4 graceful stop: deregister, answer 503 on /healthz, wait for the balancer, close. */
  stop(): Promise<void>;
}

/**
 * Starts a {@link LightInstance} of `name`: a bare `node:http` server registered through common's
 * `Registration`, answering `{service, port, method}`. Churn tests and benchmarks use it because a full
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
      const answer = { service: name, port: req.socket.localPort ?? 0, method: req.method };
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

/**
 * `count` light instances of `service` register one after another, each followed by the graceful
 * stop of the previous one: `2 × count` back-to-back registry changes, registrations and
 * deregistrations interleaved. Resolves when the last one has stopped.
 */
export async function churnRegistrations(
  etcd: Etcd3,
  prefix: string,
  service: string,
  count: number,
): Promise<void> {
  const stops: Promise<void>[] = [];
  let previous: LightInstance | undefined;
  for (let i = 0; i < count; i++) {
    const next = await startLightInstance(etcd, prefix, service);
    if (previous) stops.push(previous.stop());
    previous = next;
  }
  if (previous) stops.push(previous.stop());
  await Promise.all(stops);
}
