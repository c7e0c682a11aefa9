// The load balancer's targets (docs/operations.md, bench), measured against a private HAProxy,
// watcher and etcd prefix.
import { once } from 'node:events';
import { balancerCaughtUp, registryKeys, type Etcd3 } from '@microflack/common';
import { startRequestLoop, waitFor } from '@microflack/common/testing';
import type { TestBalancer } from '@microflack/haproxy/testing';
import { churnUnderLoad } from './churn.js';
import { answeringPort, percentile, spawnInstance, takesTraffic } from '../probes.js';

/** One line of the result table. */
export interface Measure {
  what: string;
  measured: string;
  target: string;
}

/** What every measurement runs against. */
export interface BenchContext {
  balancer: TestBalancer;
  etcd: Etcd3;
  prefix: string;
  /** The registry lease TTL the stand-in instances use (seconds). */
  leaseTtl: number;
}

/** How many rounds each measurement takes. */
export interface BenchRounds {
  newInstance: number;
  killed: number;
  killedIdle: number;
  graceful: number;
  /** Instances churned under load (each one a registration and a deregistration). */
  churned: number;
}

/** The request loop of every measurement under load. */
const LOAD = { concurrency: 8, maxRequests: 200_000, maxMs: 120_000, postEvery: 4 };

const spread = (values: readonly number[]) =>
  `p50 ${percentile(values, 50)} ms, max ${percentile(values, 100)} ms`;

/** Time from an instance's registration to the first request HAProxy routes to it. */
async function newInstanceTakesTraffic(context: BenchContext, rounds: number): Promise<Measure> {
  const { balancer, etcd, prefix } = context;
  const url = `${balancer.url}/api/fresh`;
  const first = await spawnInstance(etcd, prefix, 'fresh');
  await waitFor(async () => (await answeringPort(url)) === first.port, { timeoutMs: 10_000 });
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await balancer.watcher.settled();
    const next = await spawnInstance(etcd, prefix, 'fresh');
    await waitFor(async () => (await answeringPort(url)) === next.port, { timeoutMs: 10_000 });
    latencies.push(performance.now() - next.registeredAt);
    // Stopped and gone before the next round, so no reload of this one delays the next.
    const exited = once(next.child, 'exit');
    next.child.kill('SIGTERM');
    await exited;
  }
  first.child.kill('SIGTERM');
  return {
    what: `new instance takes traffic after registering (${rounds} runs)`,
    measured: spread(latencies),
    target: '< 1000 ms',
  };
}

/** After SIGKILL: time until HAProxy stops sending it traffic, and until the registry drops it. */
async function killedInstance(context: BenchContext, rounds: number): Promise<Measure[]> {
  const { balancer, etcd, prefix } = context;
  const stable = await spawnInstance(etcd, prefix, 'victim');
  const balancerGone: number[] = [];
  const registryGone: number[] = [];
  const failed = { GET: 0, POST: 0 };
  let requests = 0;
  for (let i = 0; i < rounds; i++) {
    const victim = await spawnInstance(etcd, prefix, 'victim');
    await waitFor(() => takesTraffic(balancer, victim.record.id), { timeoutMs: 10_000 });
    const loop = startRequestLoop({ ...LOAD, url: `${balancer.url}/api/victim` });
    await loop.warm;
    const key = registryKeys(prefix).instance('victim', victim.record.id);
    const watch = await etcd.watch().key(key).create();
    const deleted = new Promise<number>((resolve) =>
      watch.once('delete', () => resolve(performance.now())),
    );
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await waitFor(async () => !(await takesTraffic(balancer, victim.record.id)), {
      timeoutMs: 10_000,
    });
    balancerGone.push(performance.now() - killedAt);
    registryGone.push((await deleted) - killedAt);
    await watch.cancel();
    const result = await loop.stop();
    for (const { method } of result.failures) failed[method === 'POST' ? 'POST' : 'GET']++;
    requests += result.requests;
  }
  stable.child.kill('SIGTERM');
  return [
    {
      what: `SIGKILLed instance stops taking traffic, under load (${rounds} runs)`,
      measured: `${spread(balancerGone)}; of ${requests} requests ${failed.GET} GET and ${failed.POST} POST failed`,
      target: '< 2000 ms; GETs retried elsewhere',
    },
    {
      what: `SIGKILLed instance leaves the registry (TTL ${context.leaseTtl} s)`,
      measured: spread(registryGone),
      target: `<= ${(context.leaseTtl + 1) * 1000} ms`,
    },
  ];
}

/** After SIGKILL with no traffic: only the health checks (every 1 s, down after 2) notice. */
async function killedIdleInstance(context: BenchContext, rounds: number): Promise<Measure> {
  const { balancer, etcd, prefix } = context;
  const gone: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const victim = await spawnInstance(etcd, prefix, 'quiet');
    await waitFor(() => takesTraffic(balancer, victim.record.id), { timeoutMs: 10_000 });
    await balancer.watcher.settled();
    const key = registryKeys(prefix).instance('quiet', victim.record.id);
    const watch = await etcd.watch().key(key).create();
    const deleted = once(watch, 'delete') as Promise<[{ mod_revision: string }]>;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await waitFor(async () => !(await takesTraffic(balancer, victim.record.id)), {
      timeoutMs: 10_000,
    });
    gone.push(performance.now() - killedAt);
    // A reload restarts the health checks of the new worker: keep the next round clear of the
    // reload that the lease expiry of this victim triggers.
    const [{ mod_revision: revision }] = await deleted;
    await watch.cancel();
    await balancerCaughtUp(etcd, registryKeys(prefix).balancer, revision, AbortSignal.timeout(9e3));
  }
  return {
    what: `SIGKILLed instance stops taking traffic, idle: health checks only (${rounds} runs)`,
    measured: spread(gone),
    target: '< 2000 ms',
  };
}

/** Graceful stops (SIGTERM, drain) of instances under a steady request loop. */
async function gracefulStops(context: BenchContext, rounds: number): Promise<Measure> {
  const { balancer, etcd, prefix } = context;
  const url = `${balancer.url}/api/calm`;
  const stable = await spawnInstance(etcd, prefix, 'calm');
  await waitFor(async () => (await answeringPort(url)) === stable.port, { timeoutMs: 10_000 });
  const loop = startRequestLoop({ ...LOAD, url });
  await loop.warm;
  for (let i = 0; i < rounds; i++) {
    const instance = await spawnInstance(etcd, prefix, 'calm');
    await waitFor(() => takesTraffic(balancer, instance.record.id), { timeoutMs: 10_000 });
    const exited = once(instance.child, 'exit');
    instance.child.kill('SIGTERM');
    await exited;
  }
  const result = await loop.stop();
  stable.child.kill('SIGTERM');
  return {
    what: `graceful stops under load (${rounds} start/stop cycles)`,
    measured: `${result.failures.length} failed of ${result.requests} at ${Math.round(result.perSecond)} req/s`,
    target: '0 failed at >= 200 req/s',
  };
}

/** Registry churn: back-to-back registrations and deregistrations under a request loop. */
async function registryChurn(context: BenchContext, churned: number): Promise<Measure> {
  const { balancer, etcd, prefix } = context;
  const churn = await churnUnderLoad(balancer, etcd, prefix, churned, LOAD);
  const { failures, requests, perSecond } = churn.result;
  return {
    what: `${2 * churned} back-to-back registry changes under load (${Math.round(churn.churnMs)} ms)`,
    measured: `${failures.length} failed of ${requests} at ${Math.round(perSecond)} req/s; ${churn.reloads} reloads`,
    target: '0 failed at >= 200 req/s',
  };
}

/**
 * Runs every measurement of the load balancer, one after another, calling `report` as each
 * result comes in.
 */
export async function measureBalancer(
  context: BenchContext,
  rounds: BenchRounds,
  report: (measure: Measure) => void,
): Promise<void> {
  report(await newInstanceTakesTraffic(context, rounds.newInstance));
  for (const measure of await killedInstance(context, rounds.killed)) report(measure);
  report(await killedIdleInstance(context, rounds.killedIdle));
  report(await gracefulStops(context, rounds.graceful));
  report(await registryChurn(context, rounds.churned));
}
