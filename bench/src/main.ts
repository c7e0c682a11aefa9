// The benchmark: `pnpm bench [--quick] [--only <scenario>] [--compare <results file>]` from the
// repository root, with the local infrastructure up (docs/operations.md, bench). Each scenario
// measures its figures next to a baseline in the same run; rows print as they come, then one
// Markdown table, and the results go to bench/results/<timestamp>.json.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { LocalPlatform } from '@microflack/admin/testing';
import { compareWith, printTable, saveResults } from './results.js';
import { runBalancerScenario } from './scenarios/balancer-run.js';
import { measureBrowser } from './scenarios/browser.js';
import { measureChannels } from './scenarios/channels.js';
import { measureChat } from './scenarios/chat.js';
import { measureOperations } from './scenarios/operations.js';
import { measureJwt, measureMemory } from './scenarios/resources.js';
import { measureRest } from './scenarios/rest.js';
import type { Row } from './scenarios/row.js';
import { measureSignIn } from './scenarios/sign-in.js';
import { startBenchPlatform } from './platform/platform.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    compare: { type: 'string' },
  },
});
const quick = values.quick;
const SCENARIOS = [
  'balancer',
  'chat',
  'channels',
  'rest',
  'sign-in',
  'browser',
  'operations',
  'resources',
] as const;
if (values.only !== undefined && !(SCENARIOS as readonly string[]).includes(values.only)) {
  console.error(`error: unknown scenario "${values.only}" (one of ${SCENARIOS.join(', ')})`);
  process.exit(1);
}
const chosen = (scenario: (typeof SCENARIOS)[number]) =>
  values.only === undefined || values.only === scenario;

const rows: Row[] = [];
const report = (row: Row) => {
  rows.push(row);
  const ratio = row.ratio === undefined ? '' : ` = ${row.ratio.toFixed(2)}×`;
  console.log(`${row.what}: ${row.measured} vs ${row.baseline}${ratio} (target ${row.target})`);
};

/** The scenarios that need the whole platform, on one platform started for them. */
async function platformScenarios(platform: LocalPlatform): Promise<void> {
  if (chosen('resources')) (await measureMemory(platform, 'idle')).forEach(report);
  if (chosen('chat')) {
    const plan = quick
      ? { clients: [50], postsPerSecond: 10, durationMs: 3000 }
      : { clients: [50, 200, 1000], postsPerSecond: 20, durationMs: 10_000 };
    (await measureChat(platform, plan)).forEach(report);
  }
  if (chosen('channels')) {
    const plan = quick
      ? { channels: 10, clientsPerChannel: 10, postsPerSecond: 10, durationMs: 3000 }
      : { channels: 100, clientsPerChannel: 10, postsPerSecond: 100, durationMs: 10_000 };
    report(await measureChannels(platform, plan));
  }
  if (chosen('rest')) {
    const plan = quick
      ? { rates: [100, 300], durationMs: 2000 }
      : { rates: [100, 200, 400, 600, 800], durationMs: 8000 };
    (await measureRest(platform, plan)).forEach(report);
  }
  if (chosen('sign-in')) (await measureSignIn(platform, quick ? 2000 : 10_000)).forEach(report);
  if (chosen('browser')) (await measureBrowser(platform, quick ? 3 : 10)).forEach(report);
  if (chosen('operations')) (await measureOperations(platform)).forEach(report);
  if (chosen('resources')) (await measureMemory(platform, 'after load')).forEach(report);
}

const before = loadavg()[0] ?? 0;
if (chosen('balancer')) await runBalancerScenario(quick, report);
if (SCENARIOS.some((scenario) => scenario !== 'balancer' && chosen(scenario))) {
  const platform = await startBenchPlatform();
  try {
    await platformScenarios(platform);
  } finally {
    await platform.stop();
  }
}
if (chosen('resources')) measureJwt(quick ? 300 : 2000).forEach(report);
const after = loadavg()[0] ?? 0;
console.log(`\nload average at start ${before.toFixed(2)}, at end ${after.toFixed(2)}\n`);
printTable(rows);
const file = saveResults(rows, { quick, loadAverage: [before, after] });
console.log(`\nresults: ${file}`);
if (values.compare !== undefined) compareWith(values.compare, rows);
