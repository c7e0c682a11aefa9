import type { Etcd3, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { registryKeys } from './registry-keys.js';

/**
 * The set of revoked token ids, held in memory and fed by an etcd watch on `<prefix>/revoked/`,
 * so checking a token costs no network round trip. Keys expire with the token, so the set stays
 * as small as the number of live revoked tokens.
 */
export class RevocationSet {
  private readonly revoked = new Set<string>();
  private watcher: Watcher | undefined;

  private constructor(
    private readonly etcd: Etcd3,
    private readonly prefix: string,
  ) {}

  /** Loads the current revocations, then follows changes from that revision on. */
  static async start(etcd: Etcd3, prefix: string, logger: Logger): Promise<RevocationSet> {
    const set = new RevocationSet(etcd, registryKeys(prefix).revoked);
    const snapshot = await etcd.getAll().prefix(set.prefix).exec();
    for (const kv of snapshot.kvs) set.revoked.add(set.jtiOf(kv.key));
    const watcher = await etcd
      .watch()
      .prefix(set.prefix)
      .startRevision(String(BigInt(snapshot.header.revision) + 1n))
      .create();
    watcher.on('put', (kv) => set.revoked.add(set.jtiOf(kv.key)));
    watcher.on('delete', (kv) => set.revoked.delete(set.jtiOf(kv.key)));
    watcher.on('error', (error) => logger.warn({ err: error }, 'revocation watch error'));
    set.watcher = watcher;
    return set;
  }

  private jtiOf(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }

  /** Whether the token with this `jti` has been revoked. */
  has(jti: string): boolean {
    return this.revoked.has(jti);
  }

  /**
   * Revokes a token: its `jti` is put under `<prefix>/revoked/` on a lease that lasts as long as
   * the token would have, so the entry disappears when it no longer matters.
   */
  async revoke(jti: string, expiresAtMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil((expiresAtMs - Date.now()) / 1000));
    const lease = this.etcd.lease(ttl, { autoKeepAlive: false });
    await lease.put(`${this.prefix}${jti}`).value('');
    lease.release();
    this.revoked.add(jti);
  }

  /** Stops the watch. */
  async close(): Promise<void> {
    await this.watcher?.cancel();
  }
}
