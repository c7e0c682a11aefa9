import { Parser } from 'htmlparser2';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** The only tags a message may contain (docs/api.md). */
export const ALLOWED_TAGS = [
  'a',
  'b',
  'strong',
  'i',
  'em',
  'code',
  'pre',
  'p',
  'br',
  'ul',
  'ol',
  'li',
  'blockquote',
  'del',
];

/** What every link gets: no referrer, no opener, no SEO credit, a new tab. */
export const LINK_ATTRIBUTES = { rel: 'nofollow noopener noreferrer', target: '_blank' } as const;

// GFM links bare URLs; chat lines keep their single line breaks.
const markdown = new Marked({ gfm: true, breaks: true, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: { a: ['href', 'rel', 'target'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  // Everything else is dropped with its text kept; script/style bodies are dropped entirely.
  disallowedTagsMode: 'discard',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { ...LINK_ATTRIBUTES }),
    // Headings keep their own paragraph instead of running into the next block.
    ...Object.fromEntries(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((tag) => [tag, 'p'])),
  },
};

/** Passes HTML through the allowlist: the last step before anything is stored. */
export function sanitize(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

/**
 * The deepest nesting of quotes and lists a message may have: past it, marked's cost grows with
 * the square of the depth (and a few thousand levels overflow its stack), so the source is shown
 * as plain text instead (docs/api.md).
 */
export const MAX_NESTING = 16;

// One container marker at the start of what is left of a line: a quote `>`, a bullet or an
// ordered-list number, each after optional indentation.
const CONTAINER = /[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t\r]|$))/y;

/**
 * How deeply the lines of `source` nest quotes and lists: the markers opening a line, plus one
 * level per 2 columns of indentation before a list line. Counted in one pass over the text
 * (code blocks included: it reads the raw text, not Markdown).
 */
export function nestingDepth(source: string): number {
  let deepest = 0;
  for (const line of source.split('\n')) {
    let depth = 0;
    CONTAINER.lastIndex = 0;
    while (CONTAINER.test(line)) depth++;
    if (depth > 0) depth += Math.floor(indentColumns(line) / 2);
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

function indentColumns(line: string): number {
  let columns = 0;
  for (const char of line) {
    if (char === ' ') columns++;
    else if (char === '\t') columns += 4 - (columns % 4);
    else break;
  }
  return columns;
}

/**
 * The most emphasis delimiters a message may hold: marked pairs them up by scanning back over the
 * open ones, so many unmatched `*` cost it time with the square of their number.
 */
export const MAX_EMPHASIS = 200;

// `*` and `~` anywhere, `_` unless inside a word (snake_case opens no emphasis).
const EMPHASIS = /[*~]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;

/** How many emphasis delimiter characters `source` holds. */
export function emphasisCount(source: string): number {
  return source.match(EMPHASIS)?.length ?? 0;
}

/** Whether `source` is within the shapes rendered as Markdown (docs/api.md). */
export function withinShapeLimits(source: string): boolean {
  return nestingDepth(source) <= MAX_NESTING && emphasisCount(source) <= MAX_EMPHASIS;
}

/** Renders a message's Markdown source to sanitised HTML; outside the shape limits, plain text. */
export function renderMarkdown(source: string): string {
  if (!withinShapeLimits(source)) return plainText(source);
  return sanitize(markdownToHtml(source)).trim();
}

/** A source shown as the text it is: escaped, one paragraph, line breaks kept. */
export function plainText(source: string): string {
  return `<p>${escapeHtml(source).replaceAll('\n', '<br />')}</p>`;
}

function markdownToHtml(source: string): string {
  try {
    return markdown.parse(source, { async: false });
  } catch (error) {
    // marked recurses once per level of quote and list nesting: should a shape the depth count
    // misses still overflow the stack, the message is kept as the plain text it is.
    if (!(error instanceof RangeError)) throw error;
    return plainText(source);
  }
}

/** The distinct http(s) link targets of (sanitised) HTML, in order of appearance. */
export function linksIn(html: string): string[] {
  const links = new Set<string>();
  const parser = new Parser({
    onopentag(name, attributes) {
      const href = attributes['href'];
      if (name === 'a' && href !== undefined && /^https?:\/\//i.test(href)) links.add(href);
    },
  });
  parser.end(html);
  return [...links];
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
