import type { Etcd3, Lease } from 'etcd3';
import { balancerState, parseJsonValue, type BalancerState, type Logger } from '@microflack/common';

/**
 * Publishes the registry revision HAProxy runs at `<prefix>/balancer`, on the watcher's own lease:
 * draining instances wait for it (common's `balancerCaughtUp`), and when the watcher dies the key
 * expires, so nobody waits for a balancer that is gone.
 */
export class RevisionPublisher {
  private lease: Lease | undefined;

  constructor(
    private readonly etcd: Etcd3,
    private readonly key: string,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
    private readonly onLost: () => void,
  ) {}

  /** Writes the revision; a lease lost meanwhile (etcd away) is replaced by a new one. */
  async publish(revision: string): Promise<void> {
    const lease = (this.lease ??= this.newLease());
    const state: BalancerState = { revision };
    await lease.put(this.key).value(JSON.stringify(state));
  }

  private newLease(): Lease {
    const lease = this.etcd.lease(this.ttlSeconds);
    lease.on('lost', (error) => {
      if (this.lease !== lease) return;
      this.lease = undefined;
      this.logger.warn({ err: error }, 'balancer lease lost; publishing again when etcd answers');
      this.onLost();
    });
    return lease;
  }

  /** Revokes the lease, so the key goes at once; with etcd away it expires with its TTL instead. */
  async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.revoke({ deadline: Date.now() + 2000 }).catch(() => lease.release());
  }
}

/**
 * What the watcher published at `key` (`<prefix>/balancer`): undefined when no watcher publishes
 * there, or the value is not a {@link BalancerState}.
 */
export async function publishedBalancerState(
  etcd: Etcd3,
  key: string,
): Promise<BalancerState | undefined> {
  const value = await etcd.get(key).string();
  const state = value === null ? undefined : parseJsonValue(balancerState, value);
  return state?.success ? state.data : undefined;
}
