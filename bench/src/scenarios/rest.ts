// REST: an authenticated `GET /api/messages?limit=50` and `POST /api/messages` through the load
// balancer, straight to the one messages instance, and from a bare Express handler answering the
// same JSON from memory (the GET) or echoing the post as a message (the POST).
import { statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalPlatform } from '@microflack/admin/testing';
import { bearer, type SignedInUser } from '@microflack/common/testing';
import { highestGoodRate, openLoop, type OpenLoopResult } from '../open-loop.js';
import { forkBaseline } from '../platform/child.js';
import { benchUsers, instanceOf, seedMessages } from '../platform/platform.js';
import { serverConnections } from '../probes.js';
import { ratioOf, type Row } from './row.js';

const PATH = '/api/messages';
const QUERY = '?limit=50';
/**
 * Posts per second each user is sent: under the posting limit of 10/s (burst 20), which is per
 * user and not scaled by MF_RATE_LIMIT_SCALE, so the POST rows use `rate / 8` users.
 */
const POSTS_PER_USER = 8;

/** The offered rates and how long each runs. */
export interface RestPlan {
  rates: number[];
  durationMs: number;
}

const TARGETS = ['balancer', 'direct', 'bare'] as const;
type Target = (typeof TARGETS)[number];
type Results = Record<Target, OpenLoopResult[]>;

/** Sends one request to the target at `url`; resolves true when it got the answer it should. */
type Sender = (url: string) => () => Promise<boolean>;

const spread = (r: OpenLoopResult) =>
  `p50 ${r.p50} / p99 ${r.p99} / max ${r.max} ms` +
  (r.failed > 0 ? `, ${r.failed} failed` : '') +
  (r.generatorCpu > 0.8 ? ` (driver at ${Math.round(r.generatorCpu * 100)}% CPU)` : '');

/** Runs `sender` against the three targets at every rate, interleaved so noise falls on all alike. */
async function atRates(
  targets: Record<Target, string>,
  plan: RestPlan,
  sender: Sender,
): Promise<Results> {
  const results: Results = { balancer: [], direct: [], bare: [] };
  for (const rate of plan.rates)
    for (const target of TARGETS) {
      const send = sender(targets[target]);
      results[target].push(await openLoop({ rate, durationMs: plan.durationMs, send }));
    }
  return results;
}

/** The GET of the latest fifty messages, as `token`'s holder. */
function getLatest(token: string): Sender {
  const headers = { authorization: bearer(token) };
  return (url) => async () => {
    const response = await fetch(`${url}${PATH}${QUERY}`, { headers });
    await response.arrayBuffer();
    return response.status === 200;
  };
}

/** A POST of a new message, each by the next of `users` in turn. */
function postNew(users: readonly SignedInUser[]): Sender {
  let n = 0;
  return (url) => async () => {
    const user = users[n++ % users.length];
    const response = await fetch(`${url}${PATH}`, {
      method: 'POST',
      headers: { authorization: bearer(user?.token ?? ''), 'content-type': 'application/json' },
      body: JSON.stringify({ source: `rest bench ${n}: some **markdown**` }),
    });
    await response.arrayBuffer();
    return response.status === 201;
  };
}

/** Measures GET and POST at every rate on the three targets, and the log bytes per request. */
export async function measureRest(platform: LocalPlatform, plan: RestPlan): Promise<Row[]> {
  const balancer = platform.balancer.url;
  const [user] = await seedMessages(balancer, 50);
  const token = user?.token ?? '';
  const latest = await fetch(`${balancer}${PATH}${QUERY}`, {
    headers: { authorization: bearer(token) },
  });
  const bodyFile = join(tmpdir(), `mf-bench-body-${process.pid}.json`);
  writeFileSync(bodyFile, await latest.text());
  const posters = await benchUsers(balancer, Math.ceil(Math.max(...plan.rates) / POSTS_PER_USER));
  const bare = await forkBaseline('platform/bare-rest.js', [PATH, bodyFile]);
  const messages = await instanceOf(platform, 'messages');
  const logBefore = statSync(platform.logFile(messages.id)).size;
  const targets = { balancer, direct: messages.url, bare: bare.url };
  const connectionsBefore = await serverConnections(platform.balancer, 'messages');
  try {
    const gets = await atRates(targets, plan, getLatest(token));
    const posts = await atRates(targets, plan, postNew(posters));
    const connections = await serverConnections(platform.balancer, 'messages');
    const served = [gets, posts]
      .flatMap((results) => [...results.balancer, ...results.direct])
      .reduce((sum, r) => sum + r.sent, 0);
    const logBytes = statSync(platform.logFile(messages.id)).size - logBefore;
    return [
      ...restRows(`GET ${PATH}${QUERY}`, gets),
      ...restRows(`POST ${PATH}`, posts),
      logRow(logBytes / served),
      reuseRow(
        connections.connect - connectionsBefore.connect,
        connections.reuse - connectionsBefore.reuse,
      ),
    ];
  } finally {
    await bare.stop();
  }
}

/** The table's rows of one request: each rate, then the highest good rates and their ratios. */
function restRows(request: string, results: Results): Row[] {
  const rows: Row[] = results.balancer.flatMap((through, i) => {
    const direct = results.direct[i];
    const bare = results.bare[i];
    if (direct === undefined || bare === undefined) return [];
    const at = `${request} at ${through.rate}/s`;
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
      what: `${request}, highest rate with p99 < 50 ms: balancer vs one instance`,
      measured: `${good.balancer}/s`,
      baseline: `${good.direct}/s`,
      ratio: ratioOf(good.balancer, good.direct),
      target: '≥ 0.8×',
      data: good,
    },
    {
      scenario: 'rest',
      what: `${request}, highest rate with p99 < 50 ms: one instance vs bare Express`,
      measured: `${good.direct}/s`,
      baseline: `${good.bare}/s`,
      ratio: ratioOf(good.direct, good.bare),
      target: '≥ 0.5×',
    },
  );
  return rows;
}

/** What the messages instance logged per request it served (GETs and POSTs alike). */
function logRow(logBytesPerRequest: number): Row {
  return {
    scenario: 'resources',
    what: 'log bytes per request (messages instance)',
    measured: `${Math.round(logBytesPerRequest)} B`,
    baseline: '-',
    target: 'small',
    data: { logBytesPerRequest },
  };
}

/** How often HAProxy sent a request to messages on a connection it already had open. */
function reuseRow(opened: number, reused: number): Row {
  return {
    scenario: 'rest',
    what: 'requests the balancer sent to messages on an open connection (the rest opened one)',
    measured: `${reused} of ${reused + opened} (${Math.round((100 * reused) / Math.max(1, reused + opened))} %)`,
    baseline: '-',
    target: 'most',
    data: { opened, reused },
  };
}
