// Resources: what each instance holds in memory, and what verifying a token costs.
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import type { LocalPlatform } from '@microflack/admin/testing';
import { TokenKeys } from '@microflack/common';
import { type Row } from './row.js';

/** The resident set of a process, in MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** RSS of every instance now (`when`: idle, or after the load scenarios). */
export async function measureMemory(platform: LocalPlatform, when: string): Promise<Row[]> {
  const rows: Row[] = [];
  let total = 0;
  for (const service of ['users', 'tokens', 'messages', 'socketio', 'ui']) {
    for (const row of await platform.ps(service)) {
      const mb = rssMb(platform.pid(row.instance));
      total += mb;
      rows.push({
        scenario: 'resources',
        what: `RSS of a ${service} instance, ${when}`,
        measured: `${Math.round(mb)} MB`,
        baseline: '-',
        target: '≤ 80 MB',
        data: { mb },
      });
    }
  }
  rows.push({
    scenario: 'resources',
    what: `RSS of all instances, ${when}`,
    measured: `${Math.round(total)} MB`,
    baseline: '-',
    target: '≤ 1 GB (whole platform)',
    data: { mb: total },
  });
  return rows;
}

/** Counts how many times `operation` runs in `durationMs` on this thread, per second. */
function perSecond(operation: () => unknown, durationMs: number): number {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < durationMs) {
    operation();
    count++;
  }
  return (count * 1000) / (performance.now() - started);
}

/** Token verifications per second on one core, next to the bare HMAC-SHA256 they rest on. */
export function measureJwt(durationMs: number): Row[] {
  const secret = 'bench-secret-'.repeat(4);
  const keys = new TokenKeys(secret, 3600);
  const { token } = keys.sign(1);
  const [header = '', payload = '', signature = ''] = token.split('.');
  const verifications = perSecond(() => keys.verify(token), durationMs);
  const hmacs = perSecond(
    () =>
      createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url') === signature,
    durationMs,
  );
  return [
    {
      scenario: 'resources',
      what: 'JWT verifications per second on one core vs bare HMAC-SHA256',
      measured: `${Math.round(verifications)}/s`,
      baseline: `${Math.round(hmacs)}/s`,
      ratio: verifications / hmacs,
      target: 'report',
      data: { verifications, hmacs },
    },
  ];
}
