import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { backOff } from './backoff.js';
import { registryKeys } from './registry-keys.js';

// Both kinds of revocation share this stem, so one watch follows them.
const stemOf = (prefix: string) => `${prefix}/revoked`;

/**
 * The revoked tokens, held in memory and fed by one etcd watch, so checking a token costs no
 * network round trip: token ids under `<prefix>/revoked/`, and users signed out everywhere under
 * `<prefix>/revoked-users/` (every token of theirs issued until then is refused). Keys expire
 * with the last token they can concern, so the set stays as small as what still matters.
 *
 * The set never goes stale silently: when etcd cancels the watch (it asked for a compacted
 * revision after a reconnect, or for any other reason) or comes back with less history than
 * the set has seen (its data was lost), the set is read whole again and watched from there.
 */
export class RevocationSet {
  private revoked = new Set<string>();
  /** User id → when every token of theirs issued until then was revoked (Unix ms). */
  private signedOut = new Map<number, number>();
  private watcher: Watcher | undefined;
  /** The highest etcd revision and raft term the set has seen: less means etcd lost data. */
  private seen = { revision: 0n, term: 0n };
  private resyncing: Promise<void> | undefined;
  private closed = false;

  private readonly keys: ReturnType<typeof registryKeys>;

  private constructor(
    private readonly etcd: Etcd3,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.keys = registryKeys(prefix);
  }

  /** Loads the current revocations, then follows changes from that revision on. */
  static async start(etcd: Etcd3, prefix: string, logger: Logger): Promise<RevocationSet> {
    const set = new RevocationSet(etcd, prefix, logger);
    await set.sync();
    return set;
  }

  /** Reads the whole set at one revision and watches it from the next revision on. */
  private async sync(): Promise<void> {
    const stem = stemOf(this.prefix);
    const snapshot = await this.etcd.getAll().prefix(stem).exec();
    const watcher = await this.etcd
      .watch()
      .prefix(stem)
      .startRevision(String(BigInt(snapshot.header.revision) + 1n))
      .create();
    if (this.closed) {
      await watcher.cancel();
      return;
    }
    this.revoked = new Set();
    this.signedOut = new Map();
    for (const kv of snapshot.kvs) this.apply(kv, 'put');
    this.seen = { revision: 0n, term: 0n };
    this.observe(snapshot.header);
    watcher.on('put', (kv) => this.apply(kv, 'put'));
    watcher.on('delete', (kv) => this.apply(kv, 'delete'));
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
          this.logger.info(
            { revoked: this.revoked.size, signedOut: this.signedOut.size },
            'revocations read again',
          );
          return;
        } catch (error) {
          this.logger.warn({ err: error, attempt }, 'revocations read failed, retrying');
          await backOff(attempt, { baseMs: 100, maxMs: 1000 });
        }
      }
    })().finally(() => (this.resyncing = undefined));
  }

  /** Takes one key's change into the set: a revoked token, or a user signed out everywhere. */
  private apply(kv: { key: Buffer; value: Buffer }, change: 'put' | 'delete'): void {
    const key = kv.key.toString('utf8');
    if (key.startsWith(this.keys.revoked)) {
      const jti = key.slice(this.keys.revoked.length);
      if (change === 'put') this.revoked.add(jti);
      else this.revoked.delete(jti);
      return;
    }
    const userId = Number(key.slice(this.keys.revokedUsers.length));
    const at = Number(kv.value.toString('utf8'));
    if (!key.startsWith(this.keys.revokedUsers) || !Number.isInteger(userId)) return;
    if (change === 'delete') this.signedOut.delete(userId);
    else if (Number.isFinite(at)) this.signedOut.set(userId, at);
  }

  /** Whether the token with this `jti` has been revoked. */
  has(jti: string): boolean {
    return this.revoked.has(jti);
  }

  /** When `userId` was last signed out everywhere (Unix ms), if within a token's lifetime. */
  signedOutAt(userId: number): number | undefined {
    return this.signedOut.get(userId);
  }

  /**
   * Revokes a token: its `jti` is put under `<prefix>/revoked/` on a lease that lasts as long as
   * the token would have, so the entry disappears when it no longer matters.
   */
  async revoke(jti: string, expiresAtMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil((expiresAtMs - Date.now()) / 1000));
    const lease = this.etcd.lease(ttl, { autoKeepAlive: false });
    await lease.put(this.keys.revokedToken(jti)).value('');
    lease.release();
    this.revoked.add(jti);
  }

  /**
   * Signs a user out everywhere: every token of theirs issued until now is refused by every
   * instance. The record lives as long as a token issued now would (`tokenTtlSeconds`).
   */
  async revokeUser(userId: number, tokenTtlSeconds: number): Promise<void> {
    const now = Date.now();
    const lease = this.etcd.lease(Math.max(1, tokenTtlSeconds), { autoKeepAlive: false });
    await lease.put(this.keys.revokedUser(userId)).value(String(now));
    lease.release();
    this.signedOut.set(userId, Math.max(now, this.signedOut.get(userId) ?? 0));
  }

  /** Stops the watch (and a resync in progress). */
  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.cancel();
  }
}
