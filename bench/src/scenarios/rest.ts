// REST: an authenticated `GET /api/messages?limit=50` through the load balancer, straight to the
// one messages instance, and from a bare Express handler answering the same JSON from memory.
import { statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalPlatform } from '@microflack/admin/testing';
import { bearer } from '@microflack/common/testing';
import { highestGoodRate, openLoop, type OpenLoopResult } from '../open-loop.js';
import { forkBaseline } from '../platform/child.js';
import { instanceOf, seedMessages } from '../platform/platform.js';
import { ratioOf, type Row } from './row.js';

const PATH = '/api/messages';
const QUERY = '?limit=50';

/** The offered rates and how long each runs. */
export interface RestPlan {
  rates: number[];
  durationMs: number;
}

const spread = (r: OpenLoopResult) =>
  `p50 ${r.p50} / p99 ${r.p99} / max ${r.max} ms` +
  (r.failed > 0 ? `, ${r.failed} failed` : '') +
  (r.generatorCpu > 0.8 ? ` (driver at ${Math.round(r.generatorCpu * 100)}% CPU)` : '');

/** Measures the three targets at every rate, interleaved so noise falls on all three alike. */
export async function measureRest(platform: LocalPlatform, plan: RestPlan): Promise<Row[]> {
  const balancer = platform.balancer.url;
  const [user] = await seedMessages(balancer, 50);
  const token = user?.token ?? '';
  const headers = { authorization: bearer(token) };
  const body = await (await fetch(`${balancer}${PATH}${QUERY}`, { headers })).text();
  const bodyFile = join(tmpdir(), `mf-bench-body-${process.pid}.json`);
  writeFileSync(bodyFile, body);
  const bare = await forkBaseline('platform/bare-rest.js', [PATH, bodyFile]);
  const messages = await instanceOf(platform, 'messages');
  const logBefore = statSync(platform.logFile(messages.id)).size;
  const targets = { balancer, direct: messages.url, bare: bare.url };
  const results: Record<keyof typeof targets, OpenLoopResult[]> = {
    balancer: [],
    direct: [],
    bare: [],
  };
  try {
    for (const rate of plan.rates)
      for (const [name, url] of Object.entries(targets) as [keyof typeof targets, string][]) {
        const send = async () => {
          const response = await fetch(`${url}${PATH}${QUERY}`, { headers });
          await response.arrayBuffer();
          return response.status === 200;
        };
        results[name].push(await openLoop({ rate, durationMs: plan.durationMs, send }));
      }
  } finally {
    await bare.stop();
  }
  const served = [...results.balancer, ...results.direct].reduce((sum, r) => sum + r.sent, 0);
  const logBytes = statSync(platform.logFile(messages.id)).size - logBefore;
  return restRows(results, logBytes / served);
}

/** The table's rows: each rate, then the highest good rates and their ratios. */
function restRows(
  results: Record<'balancer' | 'direct' | 'bare', OpenLoopResult[]>,
  logBytesPerRequest: number,
): Row[] {
  const rows: Row[] = results.balancer.flatMap((through, i) => {
    const direct = results.direct[i];
    const bare = results.bare[i];
    if (direct === undefined || bare === undefined) return [];
    const at = `GET ${PATH}${QUERY} at ${through.rate}/s`;
    const data = (r: OpenLoopResult) => ({
      rate: r.rate,
      p50: r.p50,
      p99: r.p99,
      failed: r.failed,
    });
    return [
      {
        scenario: 'rest',
        what: `${at}: balancer vs one instance`,
        measured: spread(through),
        baseline: spread(direct),
        target: 'p99 < 50 ms',
        data: data(through),
      },
      {
        scenario: 'rest',
        what: `${at}: one instance vs bare Express`,
        measured: spread(direct),
        baseline: spread(bare),
        target: 'p99 < 50 ms',
        data: data(direct),
      },
    ];
  });
  const good = {
    balancer: highestGoodRate(results.balancer),
    direct: highestGoodRate(results.direct),
    bare: highestGoodRate(results.bare),
  };
  rows.push(
    {
      scenario: 'rest',
      what: 'highest rate with p99 < 50 ms: balancer vs one instance',
      measured: `${good.balancer}/s`,
      baseline: `${good.direct}/s`,
      ratio: ratioOf(good.balancer, good.direct),
      target: '≥ 0.8×',
      data: good,
    },
    {
      scenario: 'rest',
      what: 'highest rate with p99 < 50 ms: one instance vs bare Express',
      measured: `${good.direct}/s`,
      baseline: `${good.bare}/s`,
      ratio: ratioOf(good.direct, good.bare),
      target: '≥ 0.5×',
    },
    {
      scenario: 'resources',
      what: 'log bytes per request (messages instance)',
      measured: `${Math.round(logBytesPerRequest)} B`,
      baseline: '-',
      target: 'small',
      data: { logBytesPerRequest },
    },
  );
  return rows;
}
