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
import { renderTable, type FaultRow } from './table.js';

const log = (line: string) =>
  console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Starts a platform, runs `faults` under load one after the other, and tears it all down. */
async function runPhase(
  members: number,
  releases: string,
  faults: readonly Fault[],
): Promise<FaultRow[]> {
  const platform = await FaultPlatform.create({ members, releases });
  const rows: FaultRow[] = [];
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
        log(
          `${fault.name}: ${row.failed}/${row.requests} failed, recovered in ${row.recoveryMs} ms${row.problems.length > 0 ? `; ${row.problems.join('; ')}` : ''}`,
        );
        rows.push(row);
      }
    } finally {
      load.stop();
    }
  } finally {
    await platform.down();
  }
  return rows;
}

const releases = mkdtempSync(join(tmpdir(), 'mf-faults-releases-'));
let rows: FaultRow[] = [];
try {
  rows = [
    ...(await runPhase(1, releases, SINGLE_ETCD_FAULTS)),
    ...(await runPhase(3, releases, CLUSTER_FAULTS)),
  ];
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
