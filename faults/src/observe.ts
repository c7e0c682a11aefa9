import { waitUntil } from '@microflack/common';
import type { Fault, FaultWindow } from './faults.js';
import type { Load } from './load.js';
import type { FaultPlatform, PsRow } from './platform.js';
import type { FaultRow } from './table.js';

/** The process guard's log lines (common's process-guard.ts): none may appear. */
const GUARD_LINE = /unhandled rejection|uncaught exception/;

/** How long the platform gets to come back, generously: the measured figure is what counts. */
const RECOVERY_BOUND_MS = 30_000;
/** The target the figures are held to: everything works within 2 s of a dependency's return. */
export const RECOVERY_TARGET_MS = 2000;

/** What is known of the platform before a fault. */
export interface Baseline {
  startAt: number;
  outcomes: number;
  acked: number;
  rows: PsRow[];
  pids: ReturnType<FaultPlatform['pids']>;
  guardLines: number;
  disconnects: number;
}

export async function baseline(platform: FaultPlatform, load: Load): Promise<Baseline> {
  return {
    startAt: Date.now(),
    outcomes: load.outcomes.length,
    acked: load.acked.length,
    rows: await platform.ps(),
    pids: platform.pids(),
    guardLines: platform.logLines(GUARD_LINE).length,
    disconnects: load.disconnections.length,
  };
}

/** Waits until a read, a post and a sign-in that started after `backAt` all succeeded. */
async function recovered(load: Load, backAt: number): Promise<void> {
  await waitUntil(
    () =>
      (['read', 'post', 'sign-in'] as const).every((kind) =>
        load.outcomes.some((o) => o.kind === kind && o.ok && o.at >= backAt),
      ),
    { what: 'reads, posts and sign-ins succeeding again', timeoutMs: RECOVERY_BOUND_MS },
  );
}

/** Waits until every instance of before the fault is UP in the load balancer again. */
async function registeredAgain(
  platform: FaultPlatform,
  before: readonly PsRow[],
): Promise<PsRow[]> {
  return waitUntil(
    async () => {
      const rows = await platform.ps();
      const up = before.every((old) =>
        rows.some((row) => row.instance === old.instance && row.balancer === 'UP'),
      );
      return up && rows.length === before.length ? rows : undefined;
    },
    { what: 'every instance registered and UP again', timeoutMs: 60_000 },
  ).catch((error: unknown) => {
    throw new Error(`not every instance came back: ${String(error)}`);
  });
}

/** Processes that died without the suite killing them, by their restart counts and pid files. */
function deaths(
  base: Baseline,
  rows: readonly PsRow[],
  window: FaultWindow,
  now: FaultPlatform['pids'],
): string[] {
  const found: string[] = [];
  for (const row of rows) {
    const old = base.rows.find((before) => before.instance === row.instance);
    const expected = Number(old?.restarts ?? 0) + (window.killed.includes(row.instance) ? 1 : 0);
    if (Number(row.restarts) !== expected)
      found.push(
        `${row.instance} restarted ${Number(row.restarts) - expected} time(s) more (${row.lastExit})`,
      );
  }
  const pids = now();
  if (!window.killed.includes('haproxy') && pids.haproxy !== base.pids.haproxy)
    found.push(`HAProxy master ${String(base.pids.haproxy)} is gone`);
  if (base.pids.watcher !== undefined && pids.watcher !== base.pids.watcher)
    found.push(`the watcher (pid ${base.pids.watcher}) died`);
  return found;
}

/** Acknowledged messages of this fault not stored, or stored twice; by their unique sources. */
async function messageLosses(load: Load, base: Baseline, since: number) {
  // Acknowledged before the read starts: a post acknowledged during the read is not in it.
  const acked = load.acked.slice(base.acked);
  const counts = new Map<string, number>();
  for (const message of await load.allMessagesSince(since))
    counts.set(message.source, (counts.get(message.source) ?? 0) + 1);
  const lost = acked.filter((a) => !counts.has(a.source));
  const duplicated =
    acked.filter((a) => (counts.get(a.source) ?? 0) > 1).length +
    [...load.unanswered].filter((source) => (counts.get(source) ?? 0) > 1).length;
  return { lost: lost.length, duplicated, lostIds: lost.map((a) => a.id) };
}

/** The acknowledged messages of this fault the worst Socket.IO client has not heard of, after a bounded wait. */
async function clientMissed(load: Load, base: Baseline): Promise<number> {
  const acked = load.acked.slice(base.acked);
  const missed = () =>
    Math.max(
      0,
      ...load.clientViews().map((client) => acked.filter((a) => !client.seen.has(a.id)).length),
    );
  await waitUntil(() => missed() === 0, { what: 'clients caught up', timeoutMs: 10_000 }).catch(
    () => undefined,
  );
  return missed();
}

/**
 * Injects `fault` under load and checks what it did: requests failed only while the dependency
 * was away and recovered after it came back (measured), every instance registered again, no
 * process died unasked, no guard line, no acknowledged message lost or duplicated.
 */
export async function observeFault(
  platform: FaultPlatform,
  load: Load,
  fault: Fault,
  phaseStart: number,
): Promise<FaultRow> {
  const base = await baseline(platform, load);
  const problems: string[] = [];
  const away = async () => {
    const config = platform.haproxyConfig();
    await holdOutage(fault.holdMs ?? 0);
    if (platform.haproxyConfig() !== config)
      problems.push('HAProxy was reconfigured while etcd was away');
  };
  const window = await fault.inject(platform, away);
  await recovered(load, window.backAt).catch((error: unknown) => problems.push(String(error)));
  const rows = await registeredAgain(platform, base.rows).catch((error: unknown) => {
    problems.push(String(error));
    return [];
  });
  problems.push(...deaths(base, rows, window, () => platform.pids()));
  // Their supervisors start HAProxy and the watcher again; one that gave up is brought back here,
  // for the faults to come.
  if (platform.pids().watcher === undefined || platform.pids().haproxy === undefined)
    await platform.admin('mfinfra', ['up']);
  const guard = platform.logLines(GUARD_LINE).slice(base.guardLines);
  problems.push(...guard.map((line) => `process guard fired: ${line.slice(0, 300)}`));
  const outcomes = load.outcomes.slice(base.outcomes);
  const failures = outcomes.filter((o) => !o.ok);
  if (!fault.mayFail && failures.length > 0)
    problems.push(`${failures.length} requests failed where none may: ${summarize(failures)}`);
  const lastFailure = Math.max(window.backAt, ...failures.map((o) => o.at));
  const { lostIds, ...messages } = await messageLosses(load, base, phaseStart);
  if (messages.lost > 0 || messages.duplicated > 0)
    problems.push(
      `${messages.lost} lost (ids ${lostIds.slice(0, 5).join(', ')}), ${messages.duplicated} duplicated messages`,
    );
  const missed = await clientMissed(load, base);
  if (missed > 0) problems.push(`a Socket.IO client missed ${missed} acknowledged messages`);
  const disconnections = load.disconnections.slice(base.disconnects);
  if (!fault.disconnects && disconnections.length > 0)
    problems.push(
      `Socket.IO clients disconnected: ${summarize(disconnections.map((d) => ({ kind: 'socket', detail: d.reason })))}`,
    );
  return {
    fault: fault.name,
    failed: failures.length,
    requests: outcomes.length,
    failures: summarize(failures),
    recoveryMs: lastFailure - window.backAt,
    ...messages,
    clientMissed: missed,
    disconnects: disconnections.length,
    problems,
  };
}

/** The kinds and outcomes of failed requests, counted: `post 503 ×3, read ECONNREFUSED ×1`. */
export function summarize(failures: readonly { kind: string; detail: string }[]): string {
  const counts = new Map<string, number>();
  for (const f of failures)
    counts.set(`${f.kind} ${f.detail}`, (counts.get(`${f.kind} ${f.detail}`) ?? 0) + 1);
  return [...counts].map(([what, n]) => `${what} ×${n}`).join(', ');
}

/**
 * Keeps a dependency away for `ms`. The duration is the fault itself (an outage of a given
 * length), not a wait for something to happen: the load runs and is measured meanwhile.
 */
function holdOutage(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
