// `pnpm test:faults`: the fault suite (docs/operations.md, fault suite). Runs a whole platform on
// its own infrastructure, breaks it one fault at a time under steady load, prints the fault table
// and exits 1 when any fault broke a promise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@microflack/common';
import { CLUSTER_FAULTS, SINGLE_ETCD_FAULTS, type Fault } from './faults.js';
import { Load } from './load.js';
import { observeFault, RECOVERY_TARGET_MS } from './observe.js';
import { FaultPlatform } from './platform.js';
import { describeRow, renderTable, type FaultRow } from './table.js';

const log = (line: string) =>
  console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Starts a platform, runs `faults` under load one after the other, and tears it all down. */
async function runPhase(
  members: number,
  releases: string,
  faults: readonly Fault[],
  rows: FaultRow[],
): Promise<void> {
  const platform = await FaultPlatform.create({ members, releases });
  try {
    log(`platform with ${members} etcd member(s) in ${platform.settings.MF_STATE_DIR}: starting`);
    await platform.up();
    const phaseStart = Date.now();
    const load = await Load.start(platform.balancerUrl);
    try {
      await waitUntil(() => load.acked.length >= 10, {
        what: 'the load running',
        timeoutMs: 30_000,
      });
      for (const fault of faults) {
        log(`${fault.name}…`);
        const row = await observeFault(platform, load, fault, phaseStart);
        log(describeRow(row));
        rows.push(row);
      }
    } finally {
      load.stop();
    }
  } catch (error) {
    // The platform's logs go with it: what the infrastructure said last is printed first.
    for (const line of platform.logTails(/^(etcd|redis|postgresql|haproxy|balancer)/, 15))
      log(line);
    throw error;
  } finally {
    await platform.down();
  }
}

/** The row of a phase that could not run to its end: the error is its problem. */
function broken(members: number, error: unknown): FaultRow {
  log(`the platform with ${members} etcd member(s) broke: ${String(error)}`);
  const problems = [error instanceof Error ? error.message : String(error)];
  const row = { failed: 0, requests: 0, failures: '', recoveryMs: 0, lost: 0, duplicated: 0 };
  return { ...row, fault: `platform (${members} etcd)`, clientMissed: 0, disconnects: 0, problems };
}

const releases = mkdtempSync(join(tmpdir(), 'mf-faults-releases-'));
const rows: FaultRow[] = [];
try {
  for (const [members, faults] of [
    [1, SINGLE_ETCD_FAULTS],
    [3, CLUSTER_FAULTS],
  ] as const)
    await runPhase(members, releases, faults, rows).catch((error: unknown) =>
      rows.push(broken(members, error)),
    );
} finally {
  rmSync(releases, { recursive: true, force: true });
}
console.log(`\n${renderTable(rows)}\n`);
const slow = rows.filter((row) => row.recoveryMs > RECOVERY_TARGET_MS);
for (const row of slow)
  console.log(
    `slow: ${row.fault} recovered in ${row.recoveryMs} ms (target ${RECOVERY_TARGET_MS} ms)`,
  );
const failed = rows.filter((row) => row.problems.length > 0);
for (const row of failed) console.log(`FAILED: ${row.fault}: ${row.problems.join('; ')}`);
console.log(`${rows.length - failed.length} of ${rows.length} faults kept every promise`);
process.exitCode = failed.length === 0 ? 0 : 1;
