/** How long previews are remembered, and how many. */
export interface CacheLimits {
  /** URLs remembered at most; the least recently used goes first. */
  maxEntries: number;
  /** How long a preview (or a page without one) is reused. */
  ttlMs: number;
  /** How long a failed fetch is remembered: refetching it at once would fail again. */
  failureTtlMs: number;
}

interface Entry {
  block: Promise<string>;
  expires: number;
}

/**
 * Preview blocks by URL, in flight ones included, so a link posted many times is fetched once
 * per TTL. Bounded: past `maxEntries` the least recently used URL is forgotten.
 */
export class PreviewCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limits: CacheLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The block of `url`, fetched by `fetch` unless a live entry (or fetch in flight) has it. */
  block(url: string, fetch: () => Promise<string>): Promise<string> {
    const cached = this.entries.get(url);
    if (cached && cached.expires > this.now()) {
      // Map order is recency order: a hit moves to the end.
      this.entries.delete(url);
      this.entries.set(url, cached);
      return cached.block;
    }
    const entry: Entry = { block: fetch(), expires: Number.POSITIVE_INFINITY };
    this.remember(url, entry);
    entry.block.then(
      () => (entry.expires = this.now() + this.limits.ttlMs),
      () => (entry.expires = this.now() + this.limits.failureTtlMs),
    );
    return entry.block;
  }

  /** How many URLs are remembered. */
  get size(): number {
    return this.entries.size;
  }

  private remember(url: string, entry: Entry): void {
    this.entries.delete(url);
    this.entries.set(url, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}
