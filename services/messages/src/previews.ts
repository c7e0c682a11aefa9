import type { Logger } from '@microflack/common';
import type { AfterWrite } from './messages.js';
import type { MessageRow, MessagesRepo } from './messages-repo.js';
import { pageMeta, type PageMeta } from './page-meta.js';
import { escapeHtml, linksIn, sanitize } from './render.js';

/** Links previewed per message at most. */
export const MAX_PREVIEWS = 3;

/** What previews need: a guarded page fetcher, the row store, and who to tell. */
export interface PreviewDeps {
  fetchPage(url: string): Promise<string>;
  repo: Pick<MessagesRepo, 'savePreview'>;
  saved(row: MessageRow): void;
  logger: Logger;
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
 * per page that had a title or description — unless it was edited or deleted meanwhile.
 */
export class LinkPreviews implements AfterWrite {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: PreviewDeps) {}

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

  private async run(row: MessageRow, links: string[]): Promise<void> {
    const blocks = await Promise.all(
      links.map(async (url) => {
        try {
          return previewBlock(url, pageMeta(await this.deps.fetchPage(url)));
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
