// Operations on the whole platform: a messages instance SIGKILLed (out of rotation, out of the
// registry) and one stopped gracefully (its drain), each under a GET loop through the balancer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalPlatform } from '@microflack/admin/testing';
import { connectEtcd, registryKeys } from '@microflack/common';
import {
  startRequestLoop,
  testEtcdAccess,
  waitFor,
  type RequestLoopResult,
} from '@microflack/common/testing';
import { benchEnv, takesTraffic } from '../probes.js';
import { type Row } from './row.js';

const LOAD = { concurrency: 4, maxRequests: 1_000_000, maxMs: 120_000 };

const failedOf = ({ failures, requests, perSecond }: RequestLoopResult) =>
  `${failures.length} failed of ${requests} at ${Math.round(perSecond)} req/s`;

/** A messages instance other than the last one, so that traffic always has somewhere to go. */
async function spareMessages(platform: LocalPlatform): Promise<string> {
  const rows = await platform.ps('messages');
  const [spare] = rows;
  if (spare === undefined || rows.length < 2) throw new Error('needs two messages instances');
  return spare.instance;
}

/** Runs `act` under a GET loop through the balancer; resolves with its outcome and the loop's. */
async function underLoad<T>(platform: LocalPlatform, act: () => Promise<T>) {
  const loop = startRequestLoop({ ...LOAD, url: `${platform.balancer.url}/api/messages?limit=10` });
  await loop.warm;
  const outcome = await act();
  return { outcome, load: await loop.stop() };
}

/**
 * SIGKILLs a messages instance and its supervisor (a crash nothing restarts, as when its machine
 * dies; `mfkill --force` spares the supervisor, which brings the instance back at once), then
 * times until the balancer's current worker stops sending it traffic and until its registry key
 * is gone (its lease expired).
 */
export async function measureKilled(platform: LocalPlatform): Promise<Row[]> {
  const { MF_ETCD_URL, MF_LEASE_TTL } = benchEnv;
  const id = await spareMessages(platform);
  const prefix = platform.env.MF_ETCD_PREFIX ?? '';
  const etcd = connectEtcd(testEtcdAccess(MF_ETCD_URL));
  try {
    const watch = await etcd.watch().key(registryKeys(prefix).instance('messages', id)).create();
    const deleted = new Promise<number>((resolve) =>
      watch.once('delete', () => resolve(performance.now())),
    );
    // The supervisor's pid file, as the admin commands lay the state directory out.
    const supervisor = Number(
      readFileSync(join(platform.state, 'run', 'instances', `${id}.pid`), 'utf8'),
    );
    const { outcome, load } = await underLoad(platform, async () => {
      process.kill(supervisor, 'SIGKILL');
      const killedAt = performance.now();
      process.kill(platform.pid(id), 'SIGKILL');
      await waitFor(async () => !(await takesTraffic(platform.balancer, id)), {
        timeoutMs: 10_000,
      });
      return { killedAt, outMs: performance.now() - killedAt };
    });
    const goneMs = (await deleted) - outcome.killedAt;
    await watch.cancel();
    return [
      {
        scenario: 'operations',
        what: 'SIGKILL of a messages instance to no more traffic to it, under GET load',
        measured: `${Math.round(outcome.outMs)} ms; ${failedOf(load)}`,
        baseline: '-',
        target: '< 2000 ms',
        data: { outMs: outcome.outMs, failed: load.failures.length, requests: load.requests },
      },
      {
        scenario: 'operations',
        what: `SIGKILLed messages instance leaves the registry (lease TTL ${MF_LEASE_TTL} s)`,
        measured: `${Math.round(goneMs)} ms`,
        baseline: '-',
        target: `≤ ${(MF_LEASE_TTL + 1) * 1000} ms`,
        data: { goneMs },
      },
    ];
  } finally {
    etcd.close();
  }
}

/** `mfkill` of a messages instance (SIGTERM: deregister, drain, exit) under a GET loop. */
export async function measureGracefulStop(platform: LocalPlatform): Promise<Row> {
  const id = await spareMessages(platform);
  const { outcome: stopMs, load } = await underLoad(platform, async () => {
    const started = performance.now();
    await platform.run('mfkill', [id]);
    return performance.now() - started;
  });
  return {
    scenario: 'operations',
    what: 'graceful stop (mfkill) of a messages instance, under GET load',
    measured: `${Math.round(stopMs)} ms to exit; ${failedOf(load)}`,
    baseline: '-',
    target: '0 failed',
    data: { stopMs, failed: load.failures.length, requests: load.requests },
  };
}
