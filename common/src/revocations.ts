import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { backOff } from './backoff.js';
import { registryKeys } from './registry-keys.js';

/**
 * The set of revoked token ids, held in memory and fed by an etcd watch on `<prefix>/revoked/`,
 * so checking a token costs no network round trip. Keys expire with the token, so the set stays
 * as small as the number of live revoked tokens.
 *
 * The set never goes stale silently: when etcd cancels the watch (it asked for a compacted
 * revision after a reconnect, or for any other reason) or comes back with less history than
 * the set has seen (its data was lost), the set is read whole again and watched from there.
 */
export class RevocationSet {
  private revoked = new Set<string>();
  private watcher: Watcher | undefined;
  /** The highest etcd revision and raft term the set has seen: less means etcd lost data. */
  private seen = { revision: 0n, term: 0n };
  private resyncing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly etcd: Etcd3,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** Loads the current revocations, then follows changes from that revision on. */
  static async start(etcd: Etcd3, prefix: string, logger: Logger): Promise<RevocationSet> {
    const set = new RevocationSet(etcd, registryKeys(prefix).revoked, logger);
    await set.sync();
    return set;
  }

  /** Reads the whole set at one revision and watches it from the next revision on. */
  private async sync(): Promise<void> {
    const snapshot = await this.etcd.getAll().prefix(this.prefix).exec();
    const watcher = await this.etcd
      .watch()
      .prefix(this.prefix)
      .startRevision(String(BigInt(snapshot.header.revision) + 1n))
      .create();
    if (this.closed) {
      await watcher.cancel();
      return;
    }
    this.revoked = new Set(snapshot.kvs.map((kv) => this.jtiOf(kv.key)));
    this.seen = { revision: 0n, term: 0n };
    this.observe(snapshot.header);
    watcher.on('put', (kv) => this.revoked.add(this.jtiOf(kv.key)));
    watcher.on('delete', (kv) => this.revoked.delete(this.jtiOf(kv.key)));
    watcher.on('data', (response) => this.observe(response.header));
    watcher.on('connected', (response) => this.onConnected(watcher, response));
    watcher.on('error', (error) => {
      this.watcher = undefined;
      this.resync(`watch cancelled: ${error.message}`);
    });
    this.watcher = watcher;
  }

  private observe(header: IWatchResponse['header']): void {
    const revision = BigInt(header.revision);
    const term = BigInt(header.raft_term);
    if (revision > this.seen.revision) this.seen.revision = revision;
    if (term > this.seen.term) this.seen.term = term;
  }

  /** A (re)connected watch: etcd with less history than seen lost its data. */
  private onConnected(watcher: Watcher, response: IWatchResponse): void {
    const revision = BigInt(response.header.revision);
    const term = BigInt(response.header.raft_term);
    if (revision < this.seen.revision || term < this.seen.term) {
      this.watcher = undefined;
      void watcher.cancel().catch(() => undefined);
      this.resync('etcd lost its data');
      return;
    }
    this.observe(response.header);
  }

  /** Reads the whole set again and watches anew, retrying with backoff until etcd answers. */
  private resync(reason: string): void {
    if (this.closed || this.resyncing) return;
    this.logger.warn({ reason }, 'revocation watch lost; reading the revocations again');
    this.resyncing = (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await this.sync();
          this.logger.info({ revoked: this.revoked.size }, 'revocations read again');
          return;
        } catch (error) {
          this.logger.warn({ err: error, attempt }, 'revocations read failed, retrying');
          await backOff(attempt, { baseMs: 100, maxMs: 1000 });
        }
      }
    })().finally(() => (this.resyncing = undefined));
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

  /** Stops the watch (and a resync in progress). */
  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.cancel();
  }
}
