// The load balancer's scenario on its own private HAProxy, watcher and etcd prefix, with
// stand-in instances: its figures are the registry-driven routing's, not the services'.
import { connectEtcd } from '@microflack/common';
import { testEtcdAccess, uniquePrefix } from '@microflack/common/testing';
import { startTestBalancer } from '@microflack/haproxy/testing';
import { measureBalancer, type BenchRounds } from './balancer.js';
import { benchEnv } from '../probes.js';
import type { Row } from './row.js';

const FULL: BenchRounds = { newInstance: 10, killed: 5, killedIdle: 5, graceful: 10, churned: 50 };
/** One round of everything: checks the bench works, measures nothing worth quoting. */
const QUICK: BenchRounds = { newInstance: 1, killed: 1, killedIdle: 1, graceful: 1, churned: 5 };

/** Runs the load balancer's measurements, reporting each as a row. */
export async function runBalancerScenario(
  quick: boolean,
  report: (row: Row) => void,
): Promise<void> {
  const { MF_ETCD_URL, MF_LEASE_TTL } = benchEnv;
  const prefix = uniquePrefix();
  const etcd = connectEtcd(testEtcdAccess(MF_ETCD_URL));
  const balancer = await startTestBalancer({ etcdUrl: MF_ETCD_URL, prefix });
  try {
    const context = { balancer, etcd, prefix, leaseTtl: MF_LEASE_TTL };
    await measureBalancer(context, quick ? QUICK : FULL, (measure) =>
      report({ scenario: 'balancer', baseline: '-', ...measure }),
    );
  } finally {
    await balancer.stop();
    await etcd.delete().prefix(prefix);
    etcd.close();
  }
}
