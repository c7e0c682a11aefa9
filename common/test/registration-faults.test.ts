import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  balancerCaughtUp,
  baseEnv,
  connectEtcd,
  createServiceApp,
  Registration,
  registryKeys,
  startService,
  type Etcd3,
} from '@microflack/common';
import {
  silentLogger,
  startTcpProxy,
  testConfig,
  waitFor,
  type TcpProxy,
} from '@microflack/common/testing';

const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '1' });
const keys = registryKeys(config.MF_ETCD_PREFIX);
const etcd = connectEtcd(config);
const closers: (() => unknown)[] = [];
const failure = z.object({ msg: z.literal('registration failed, retrying'), attempt: z.number() });

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

/** An etcd client that reaches the shared etcd through a proxy the test can cut. */
async function cuttableEtcd(): Promise<{ proxy: TcpProxy; client: Etcd3 }> {
  const proxy = await startTcpProxy(new URL(config.MF_ETCD_URL[0] ?? '').host);
  const client = connectEtcd({ ...config, MF_ETCD_URL: [proxy.url] });
  closers.push(
    () => proxy.close(),
    () => client.close(),
  );
  return { proxy, client };
}

/** A logger whose lines the test can read. */
function recordingLogger(): { logger: pino.Logger; lines: unknown[] } {
  const lines: unknown[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

describe('Registration while etcd is unreachable', () => {
  it('when lease grants fail, then one retry loop runs, and once etcd answers the key is on the one live lease', async () => {
    const { proxy, client } = await cuttableEtcd();
    const { logger, lines } = recordingLogger();
    const registration = new Registration({
      etcd: client,
      prefix: config.MF_ETCD_PREFIX,
      ttlSeconds: 2,
      config: { location: '/api/probe', balance: 'roundrobin', sticky: false },
      instance: {
        id: 'probe-1-00000001',
        service: 'probe',
        version: '1',
        address: '127.0.0.1:1',
        started_at: 0,
      },
      logger,
    });
    const registered: string[] = [];
    registration.on('registered', (leaseId) => registered.push(leaseId));

    await proxy.cut();
    const done = registration.register();
    const failures = () => lines.flatMap((line) => failure.safeParse(line).data ?? []);
    await waitFor(() => failures().length >= 4, {
      timeoutMs: 10_000,
      what: 'four failed attempts',
    });
    await proxy.restore();
    await done;
    const kv = (await etcd.get(registration.key).exec()).kvs[0];

    // Two loops would number their attempts twice over (0, 0, 1, 1, …).
    expect(
      failures()
        .map(({ attempt }) => attempt)
        .slice(0, 4),
    ).toEqual([0, 1, 2, 3]);
    expect(registered).toHaveLength(1);
    expect(kv?.lease).toBe(registered[0]);
    closers.push(() => registration.deregister());
  });
});

describe('the graceful stop while etcd is unreachable', () => {
  it('when etcd stops answering, then stop still completes, bounded by the drain deadline', async () => {
    const { proxy } = await cuttableEtcd();
    const instance = await startService({
      name: 'probe',
      version: '1.2.3',
      route: { location: '/api/probe', balance: 'roundrobin', sticky: false },
      config: { ...config, MF_ETCD_URL: [proxy.url], MF_VERSION: undefined },
      logger: silentLogger(),
      build: ({ logger }) => ({ app: createServiceApp(logger, () => undefined) }),
    });

    await proxy.cut();
    await instance.stop();

    expect((await fetch(`${instance.url}/healthz`).catch(() => undefined))?.status).toBeUndefined();
  });

  it('when the deadline has already passed, then waiting for the balancer ends at once', async () => {
    const key = keys.balancer;
    await etcd.put(key).value(JSON.stringify({ revision: '1' }));

    const caughtUp = await balancerCaughtUp(etcd, key, '999999999', AbortSignal.abort());

    expect(caughtUp).toBe(false);
  });
});
