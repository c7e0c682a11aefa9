// Measures the SPEC §7 / issue 3 targets against a private HAProxy, watcher and etcd prefix.
// Run: pnpm --filter @microflack/haproxy bench   (prints one table; see haproxy/README.md)
import { once } from 'node:events';
import { loadavg } from 'node:os';
import {
  balancerCaughtUp,
  baseEnv,
  connectEtcd,
  loadConfig,
  registryKeys,
} from '@microflack/common';
import { uniquePrefix, waitFor } from '@microflack/common/testing';
import { startRequestLoop, startTestBalancer, type TestBalancer } from '../testing.js';
import { answeringPort, percentile, spawnInstance, takesTraffic } from './probes.js';
import { churnUnderLoad } from './churn.js';

const { MF_ETCD_URL, MF_LEASE_TTL } = loadConfig(baseEnv);
const prefix = uniquePrefix();
const etcd = connectEtcd(MF_ETCD_URL);
const rows: [string, string, string][] = [];
const row = (what: string, measured: string, target: string) => {
  rows.push([what, measured, target]);
  console.log(`${what}: ${measured} (target ${target})`);
};
const LOAD = { concurrency: 8, maxRequests: 200_000, maxMs: 120_000, postEvery: 4 };

/** Time from an instance's registration to the first request HAProxy routes to it. */
async function newInstanceTakesTraffic(lb: TestBalancer, rounds: number): Promise<void> {
  const url = `${lb.url}/api/fresh`;
  const first = await spawnInstance(etcd, prefix, 'fresh');
  await waitFor(async () => (await answeringPort(url)) === first.port, { timeoutMs: 10_000 });
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await lb.watcher.settled();
    const next = await spawnInstance(etcd, prefix, 'fresh');
    await waitFor(async () => (await answeringPort(url)) === next.port, { timeoutMs: 10_000 });
    latencies.push(performance.now() - next.registeredAt);
    // Stopped and gone before the next round, so no reload of this one delays the next.
    const exited = new Promise((resolve) => next.child.once('exit', resolve));
    next.child.kill('SIGTERM');
    await exited;
  }
  first.child.kill('SIGTERM');
  row(
    `new instance takes traffic after registering (${rounds} runs)`,
    `p50 ${percentile(latencies, 50)} ms, max ${percentile(latencies, 100)} ms`,
    '< 1000 ms',
  );
}

/** After SIGKILL: time until HAProxy stops sending it traffic, and until the registry drops it. */
async function killedInstance(lb: TestBalancer, rounds: number): Promise<void> {
  const stable = await spawnInstance(etcd, prefix, 'victim');
  const lbGone: number[] = [];
  const registryGone: number[] = [];
  const failed = { GET: 0, POST: 0 };
  let requests = 0;
  for (let i = 0; i < rounds; i++) {
    const victim = await spawnInstance(etcd, prefix, 'victim');
    await waitFor(() => takesTraffic(lb, victim.record.id), { timeoutMs: 10_000 });
    const loop = startRequestLoop({ ...LOAD, url: `${lb.url}/api/victim` });
    await loop.warm;
    const key = registryKeys(prefix).instance('victim', victim.record.id);
    const watch = await etcd.watch().key(key).create();
    const deleted = new Promise<number>((resolve) =>
      watch.once('delete', () => resolve(performance.now())),
    );
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await waitFor(async () => !(await takesTraffic(lb, victim.record.id)), { timeoutMs: 10_000 });
    lbGone.push(performance.now() - killedAt);
    registryGone.push((await deleted) - killedAt);
    await watch.cancel();
    const result = await loop.stop();
    for (const { method } of result.failures) failed[method === 'POST' ? 'POST' : 'GET']++;
    requests += result.requests;
  }
  stable.child.kill('SIGTERM');
  row(
    `SIGKILLed instance stops taking traffic, under load (${rounds} runs)`,
    `p50 ${percentile(lbGone, 50)} ms, max ${percentile(lbGone, 100)} ms; of ${requests} requests ${failed.GET} GET and ${failed.POST} POST failed`,
    '< 2000 ms; GETs retried elsewhere',
  );
  row(
    `SIGKILLed instance leaves the registry (TTL ${MF_LEASE_TTL} s)`,
    `p50 ${percentile(registryGone, 50)} ms, max ${percentile(registryGone, 100)} ms`,
    `<= ${(MF_LEASE_TTL + 1) * 1000} ms`,
  );
}

/** After SIGKILL with no traffic: only the health checks (every 1 s, down after 2) notice. */
async function killedIdleInstance(lb: TestBalancer, rounds: number): Promise<void> {
  const gone: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const victim = await spawnInstance(etcd, prefix, 'quiet');
    await waitFor(() => takesTraffic(lb, victim.record.id), { timeoutMs: 10_000 });
    await lb.watcher.settled();
    const key = registryKeys(prefix).instance('quiet', victim.record.id);
    const watch = await etcd.watch().key(key).create();
    const deleted = once(watch, 'delete') as Promise<[{ mod_revision: string }]>;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await waitFor(async () => !(await takesTraffic(lb, victim.record.id)), { timeoutMs: 10_000 });
    gone.push(performance.now() - killedAt);
    // A reload restarts the health checks of the new worker: keep the next round clear of the
    // reload that the lease expiry of this victim triggers.
    const [{ mod_revision: revision }] = await deleted;
    await watch.cancel();
    await balancerCaughtUp(etcd, registryKeys(prefix).balancer, revision, AbortSignal.timeout(9e3));
  }
  row(
    `SIGKILLed instance stops taking traffic, idle: health checks only (${rounds} runs)`,
    `p50 ${percentile(gone, 50)} ms, max ${percentile(gone, 100)} ms`,
    '< 2000 ms',
  );
}

/** Graceful stops (SIGTERM, drain) of instances under a steady request loop. */
async function gracefulStops(lb: TestBalancer, rounds: number): Promise<void> {
  const url = `${lb.url}/api/calm`;
  const stable = await spawnInstance(etcd, prefix, 'calm');
  await waitFor(async () => (await answeringPort(url)) === stable.port, { timeoutMs: 10_000 });
  const loop = startRequestLoop({ ...LOAD, url });
  await loop.warm;
  for (let i = 0; i < rounds; i++) {
    const instance = await spawnInstance(etcd, prefix, 'calm');
    await waitFor(() => takesTraffic(lb, instance.record.id), { timeoutMs: 10_000 });
    const exited = new Promise((resolve) => instance.child.once('exit', resolve));
    instance.child.kill('SIGTERM');
    await exited;
  }
  const result = await loop.stop();
  stable.child.kill('SIGTERM');
  row(
    `graceful stops under load (${rounds} start/stop cycles)`,
    `${result.failures.length} failed of ${result.requests} at ${Math.round(result.perSecond)} req/s`,
    '0 failed at >= 200 req/s',
  );
}

const lb = await startTestBalancer({ etcdUrl: MF_ETCD_URL, prefix });
try {
  const before = loadavg()[0] ?? 0;
  await newInstanceTakesTraffic(lb, 10);
  await killedInstance(lb, 5);
  await killedIdleInstance(lb, 5);
  await gracefulStops(lb, 10);
  const churn = await churnUnderLoad(lb, etcd, prefix, LOAD);
  row(
    `100 back-to-back registry changes under load (${Math.round(churn.churnMs)} ms)`,
    `${churn.result.failures.length} failed of ${churn.result.requests} at ${Math.round(churn.result.perSecond)} req/s; ${churn.reloads} reloads`,
    '0 failed at >= 200 req/s',
  );
  console.log(
    `\nload average at start ${before.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}`,
  );
  console.log('| measure | result | target |\n|---|---|---|');
  for (const [what, measured, target] of rows) console.log(`| ${what} | ${measured} | ${target} |`);
} finally {
  await lb.stop();
  await etcd.delete().prefix(prefix);
  etcd.close();
}
