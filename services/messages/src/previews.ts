import type { Logger } from '@microflack/common';
import type { MessagesConfig } from './config.js';
import type { AfterWrite } from './messages.js';
import type { MessageRow, MessagesRepo } from './messages-repo.js';
import { PREVIEW_LIMITS } from './page-fetch.js';
import { pageMeta, type PageMeta } from './page-meta.js';
import { PreviewCache, type CacheLimits } from './preview-cache.js';
import { HostSlots, Slots } from './preview-slots.js';
import { escapeHtml, linksIn, sanitize } from './render.js';

/** Links previewed per message at most. */
export const MAX_PREVIEWS = 3;

/** How much previewing an instance does at once, and what it remembers. */
export interface PreviewLimits {
  /** Per link, from asking for a slot to the last byte (the fetch's own deadline). */
  timeoutMs: number;
  /** Fetches in flight per instance. */
  concurrency: number;
  /** Fetches in flight per host name (of the link, before redirects; any port). */
  hostConcurrency: number;
  cache: CacheLimits;
}

/** The limits the configuration sets (docs/operations.md). */
export function previewLimitsFrom(config: MessagesConfig): PreviewLimits {
  return {
    timeoutMs: PREVIEW_LIMITS.timeoutMs,
    concurrency: config.PREVIEW_CONCURRENCY,
    hostConcurrency: config.PREVIEW_HOST_CONCURRENCY,
    cache: {
      maxEntries: config.PREVIEW_CACHE_SIZE,
      ttlMs: config.PREVIEW_CACHE_TTL * 1000,
      failureTtlMs: config.PREVIEW_FAILURE_TTL * 1000,
    },
  };
}

/** What previews need: a guarded page fetcher, the row store, and who to tell. */
export interface PreviewDeps {
  /** Fetches a page, giving up when `signal` aborts. */
  fetchPage(url: string, signal: AbortSignal): Promise<string>;
  limits: PreviewLimits;
  repo: Pick<MessagesRepo, 'savePreview'>;
  saved(row: MessageRow): void;
  logger: Logger;
  /** The cache's clock (tests move it). */
  now?: () => number;
}

/** The preview block appended to a message: allowlisted tags only, page text escaped. */
export function previewBlock(url: string, meta: PageMeta): string {
  if (meta.title === undefined && meta.description === undefined) return '';
  const link = `<a href="${escapeHtml(url)}"><strong>${escapeHtml(meta.title ?? url)}</strong></a>`;
  const description = meta.description === undefined ? '' : `<br />${escapeHtml(meta.description)}`;
  return `<blockquote><p>${link}${description}</p></blockquote>`;
}

/**
 * Link previews, run after the response: up to {@link MAX_PREVIEWS} links of a written message
 * are fetched in parallel, and the message is saved and announced again with a preview block
 * per page that had a title or description — unless it was edited or deleted meanwhile. Fetches
 * are capped per instance and per host, and remembered by URL (failures briefly).
 */
export class LinkPreviews implements AfterWrite {
  private readonly pending = new Set<Promise<void>>();
  private readonly slots: Slots;
  private readonly hosts: HostSlots;
  private readonly cache: PreviewCache;

  constructor(private readonly deps: PreviewDeps) {
    this.slots = new Slots(deps.limits.concurrency);
    this.hosts = new HostSlots(deps.limits.hostConcurrency);
    this.cache = new PreviewCache(deps.limits.cache, deps.now);
  }

  /** Starts previews for `row` in the background. */
  schedule(row: MessageRow): void {
    const links = linksIn(row.html).slice(0, MAX_PREVIEWS);
    if (links.length === 0) return;
    const task = this.run(row, links)
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, id: row.id }, 'preview failed'),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves when every preview started so far has finished (each is bounded by its timeout). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /**
   * The preview block of one link ('' for a page without title and description), from the
   * cache or fetched within the caps. @throws when the page cannot be previewed.
   */
  block(url: string): Promise<string> {
    return this.cache.block(url, () => this.fetchBlock(url));
  }

  private async fetchBlock(url: string): Promise<string> {
    // One deadline for everything: waiting for both slots, the name lookup and the fetch.
    const signal = AbortSignal.timeout(this.deps.limits.timeoutMs);
    const releaseHost = await this.hosts.take(new URL(url).hostname, signal);
    try {
      const release = await this.slots.take(signal);
      try {
        return previewBlock(url, pageMeta(await this.deps.fetchPage(url, signal)));
      } finally {
        release();
      }
    } finally {
      releaseHost();
    }
  }

  private async run(row: MessageRow, links: string[]): Promise<void> {
    const blocks = await Promise.all(
      links.map(async (url) => {
        try {
          return await this.block(url);
        } catch (error) {
          this.deps.logger.info({ url, reason: String(error) }, 'no preview for link');
          return '';
        }
      }),
    );
    const added = blocks.join('');
    if (added === '') return;
    // The whole HTML goes through the allowlist again: the block is built by hand.
    const saved = await this.deps.repo.savePreview(
      row.id,
      row.revision,
      sanitize(row.html + added),
    );
    if (saved) this.deps.saved(saved);
  }
}
