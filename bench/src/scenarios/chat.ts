// Chat delivery: N Socket.IO clients through the load balancer while users post over REST at a
// fixed rate, next to a bare single-process Socket.IO broadcast server driven by the same code.
import type { LocalPlatform } from '@microflack/admin/testing';
import { bearer, waitFor } from '@microflack/common/testing';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { openLoop } from '../open-loop.js';
import { forkBaseline } from '../platform/child.js';
import { benchUsers } from '../platform/platform.js';
import { percentile } from '../probes.js';
import { ratioOf, type Row } from './row.js';

/** The sizes and rates of one chat delivery run. */
export interface ChatPlan {
  clients: number[];
  postsPerSecond: number;
  durationMs: number;
}

/** What one run of deliveries measured. */
interface Delivery {
  perSecond: number;
  expected: number;
  delivered: number;
  p50: number;
  p99: number;
}

const model = z.looseObject({ source: z.string() });

/** Connects `n` clients to `url`, posts at the plan's rate, and times every delivery. */
async function deliver(
  url: string,
  n: number,
  plan: ChatPlan,
  tokens: string[],
): Promise<Delivery> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const sockets: Socket[] = Array.from({ length: n }, () => io(url, { transports: ['websocket'] }));
  await Promise.all(
    sockets.map((s) => new Promise((resolve) => s.once('connect', () => resolve(s)))),
  );
  for (const socket of sockets)
    socket.on('updated_model', (payload: { model?: unknown }) => {
      const parsed = model.safeParse(payload.model);
      const at = parsed.success ? sentAt.get(parsed.data.source) : undefined;
      if (at !== undefined) latencies.push(performance.now() - at);
    });
  let n0 = 0;
  const started = performance.now();
  const result = await openLoop({
    rate: plan.postsPerSecond,
    durationMs: plan.durationMs,
    send: async () => {
      const source = `chat bench ${process.pid} ${n0++} ${Math.random()}`;
      sentAt.set(source, performance.now());
      const token = tokens[n0 % tokens.length] ?? '';
      const response = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { authorization: bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ source }),
      });
      await response.arrayBuffer();
      return response.status === 201;
    },
  });
  const expected = (result.sent - result.failed) * n;
  // The last broadcasts are still on their way: a bounded wait, what is missing then is lost.
  await waitFor(() => latencies.length >= expected, { timeoutMs: 10_000, intervalMs: 20 }).catch(
    () => undefined,
  );
  const elapsed = performance.now() - started;
  sockets.forEach((socket) => socket.close());
  return {
    perSecond: (latencies.length * 1000) / elapsed,
    expected,
    delivered: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const shown = (d: Delivery) =>
  `${Math.round(d.perSecond)}/s, ${d.delivered}/${d.expected} delivered, p50 ${d.p50} / p99 ${d.p99} ms`;

/** Deliveries through the platform next to the bare server, at every client count. */
export async function measureChat(platform: LocalPlatform, plan: ChatPlan): Promise<Row[]> {
  // Each user may post 10/s: enough users that the rate is never the limit's.
  const users = await benchUsers(platform.balancer.url, Math.ceil(plan.postsPerSecond / 5));
  const tokens = users.map((user) => user.token);
  const bare = await forkBaseline('platform/bare-socketio.js', []);
  const rows: Row[] = [];
  try {
    for (const n of plan.clients) {
      const through = await deliver(platform.balancer.url, n, plan, tokens);
      const baseline = await deliver(bare.url, n, plan, tokens);
      rows.push({
        scenario: 'chat',
        what: `${n} clients, ${plan.postsPerSecond} posts/s: deliveries through the balancer vs a bare server`,
        measured: shown(through),
        baseline: shown(baseline),
        ratio: ratioOf(through.p99, baseline.p99),
        target: 'all delivered, p99 ≤ 1.5× bare',
        data: { clients: n, p99: through.p99, bareP99: baseline.p99, delivered: through.delivered },
      });
    }
  } finally {
    await bare.stop();
  }
  return rows;
}
