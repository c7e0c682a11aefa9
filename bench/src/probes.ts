import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import {
  baseEnv,
  instanceRecord,
  loadConfig,
  parseJsonValue,
  registryKeys,
  type Etcd3,
  type InstanceRecord,
} from '@microflack/common';
import { parseServerStates } from '@microflack/haproxy';
import type { TestBalancer } from '@microflack/haproxy/testing';
import { TEST_JWT_SECRET_KEY } from '@microflack/common/testing';
import { z } from 'zod';

/**
 * What the benchmark reads of its environment (through a schema, like every environment read):
 * etcd and the lease TTL instances use; stand-in instances inherit only the PATH and etcd.
 */
export const benchEnv = loadConfig({
  PATH: z.string().default('/usr/bin:/bin'),
  MF_ETCD_URL: baseEnv.MF_ETCD_URL,
  MF_LEASE_TTL: baseEnv.MF_LEASE_TTL,
});
const { PATH, MF_ETCD_URL } = benchEnv;

/** A benchmark instance running as its own process. */
export interface ChildInstance {
  child: ChildProcess;
  record: InstanceRecord;
  port: number;
  /** When its registry key appeared (performance.now()). */
  registeredAt: number;
}

/** Starts `dist/instance.js` for `service` and resolves once its key is in the registry. */
export async function spawnInstance(
  etcd: Etcd3,
  prefix: string,
  service: string,
): Promise<ChildInstance> {
  const watch = await etcd.watch().prefix(registryKeys(prefix).instances(service)).create();
  const put = once(watch, 'put') as Promise<[{ value: Buffer }]>;
  const child = spawn(process.execPath, [new URL('./instance.js', import.meta.url).pathname], {
    env: {
      PATH,
      MF_ETCD_URL: MF_ETCD_URL.join(','),
      MF_ETCD_PREFIX: prefix,
      BENCH_SERVICE: service,
      LOG_LEVEL: 'warn',
      MF_DRAIN_TIMEOUT: '10',
      JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [kv] = await put;
  const registeredAt = performance.now();
  await watch.cancel();
  const parsed = parseJsonValue(instanceRecord, kv.value.toString('utf8'));
  if (!parsed.success) throw new Error(`${service} registered a malformed record`);
  const record = parsed.data;
  return { child, record, port: Number(record.address.split(':').pop()), registeredAt };
}

/** What a stand-in instance (instance.ts) answers. */
const standInAnswer = z.object({ port: z.number() });

/** The port that answered one request for `url`, on a new connection (the current worker). */
export function answeringPort(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        // 0: not a stand-in answer (503 while nothing is routed)
        const answer = parseJsonValue(standInAnswer, Buffer.concat(chunks).toString('utf8'));
        resolve(answer.success ? answer.data.port : 0);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether the current HAProxy worker sends traffic to `server` (present, UP and not in maintenance). */
export async function takesTraffic(balancer: TestBalancer, server: string): Promise<boolean> {
  const states = parseServerStates(await balancer.master.worker('show servers state'));
  return states.some((s) => s.server === server && s.state === 'UP' && s.admin === 'READY');
}

/**
 * The connections the current HAProxy worker opened to `backend`'s servers and the times it
 * reused an idle one instead, summed over its servers (`show stat`: `connect`, `reuse`).
 */
export async function serverConnections(
  balancer: TestBalancer,
  backend: string,
): Promise<{ connect: number; reuse: number }> {
  const [header = '', ...lines] = (await balancer.master.worker('show stat')).trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const totals = { connect: 0, reuse: 0 };
  for (const fields of lines.map((line) => line.split(','))) {
    if (
      fields[at('pxname')] !== backend ||
      ['FRONTEND', 'BACKEND'].includes(fields[at('svname')] ?? '')
    )
      continue;
    totals.connect += Number(fields[at('connect')] ?? 0);
    totals.reuse += Number(fields[at('reuse')] ?? 0);
  }
  return totals;
}

/** Percentile `p` (0–100) of `values`, in whole milliseconds. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] ?? Number.NaN);
}
