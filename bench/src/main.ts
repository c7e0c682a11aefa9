// The benchmark: `pnpm bench` from the repository root, with the local infrastructure up
// (docs/operations.md, bench). Prints each result as it comes, then one Markdown table.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { baseEnv, connectEtcd, loadConfig } from '@microflack/common';
import { uniquePrefix } from '@microflack/common/testing';
import { startTestBalancer } from '@microflack/haproxy/testing';
import { measureBalancer, type BenchRounds, type Measure } from './balancer-targets.js';

const FULL: BenchRounds = { newInstance: 10, killed: 5, killedIdle: 5, graceful: 10, churned: 50 };
/** One round of everything: checks the bench works, measures nothing worth quoting. */
const QUICK: BenchRounds = { newInstance: 1, killed: 1, killedIdle: 1, graceful: 1, churned: 5 };

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const { MF_ETCD_URL, MF_LEASE_TTL } = loadConfig(baseEnv);
const prefix = uniquePrefix();
const etcd = connectEtcd(MF_ETCD_URL);
const measures: Measure[] = [];
const report = (measure: Measure) => {
  measures.push(measure);
  console.log(`${measure.what}: ${measure.measured} (target ${measure.target})`);
};

const balancer = await startTestBalancer({ etcdUrl: MF_ETCD_URL, prefix });
try {
  const before = loadavg()[0] ?? 0;
  const context = { balancer, etcd, prefix, leaseTtl: MF_LEASE_TTL };
  await measureBalancer(context, values.quick ? QUICK : FULL, report);
  console.log(
    `\nload average at start ${before.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}`,
  );
  console.log('| measure | result | target |\n|---|---|---|');
  for (const { what, measured, target } of measures)
    console.log(`| ${what} | ${measured} | ${target} |`);
} finally {
  await balancer.stop();
  await etcd.delete().prefix(prefix);
  etcd.close();
}
