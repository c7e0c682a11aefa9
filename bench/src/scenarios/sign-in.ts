// Sign-in: `POST /api/tokens` (tokens asks users, which checks the bcrypt hash) next to bare
// bcrypt comparisons at the same cost, on the same cores, with as many in flight.
import bcrypt from 'bcrypt';
import type { LocalPlatform } from '@microflack/admin/testing';
import { basic } from '@microflack/common/testing';
import { benchUser } from '../platform/platform.js';
import { ratioOf, type Row } from './row.js';

/** users' default cost (BCRYPT_COST), which the benchmark's platform runs with. */
const COST = 12;
const IN_FLIGHT = 4;

/** Runs `operation` from `IN_FLIGHT` loops for `durationMs`; returns successes per second. */
async function throughput(operation: () => Promise<boolean>, durationMs: number): Promise<number> {
  const started = performance.now();
  let done = 0;
  const loop = async () => {
    while (performance.now() - started < durationMs) if (await operation()) done++;
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  return (done * 1000) / (performance.now() - started);
}

/** Sign-ins per second through the load balancer, next to bare bcrypt compares per second. */
export async function measureSignIn(platform: LocalPlatform, durationMs: number): Promise<Row[]> {
  const url = platform.balancer.url;
  const user = await benchUser(url);
  const authorization = basic(user.nickname, user.password);
  const signIns = await throughput(async () => {
    const response = await fetch(`${url}/api/tokens`, {
      method: 'POST',
      headers: { authorization },
    });
    await response.arrayBuffer();
    return response.status === 200;
  }, durationMs);
  const hash = await bcrypt.hash(user.password, COST);
  const compares = await throughput(() => bcrypt.compare(user.password, hash), durationMs);
  return [
    {
      scenario: 'sign-in',
      what: `POST /api/tokens, ${IN_FLIGHT} in flight: sign-ins vs bare bcrypt (cost ${COST})`,
      measured: `${signIns.toFixed(1)}/s`,
      baseline: `${compares.toFixed(1)}/s`,
      ratio: ratioOf(signIns, compares),
      target: '≥ 0.9×',
      data: { signIns, compares },
    },
  ];
}
