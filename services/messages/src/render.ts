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

/** Renders a message's Markdown source to sanitised HTML. */
export function renderMarkdown(source: string): string {
  return sanitize(markdownToHtml(source)).trim();
}

function markdownToHtml(source: string): string {
  try {
    return markdown.parse(source, { async: false });
  } catch (error) {
    // marked recurses once per level of quote and list nesting, so a few thousand `>` or `1. `
    // overflow the stack: such a message is kept as the plain text it is rather than refused.
    if (!(error instanceof RangeError)) throw error;
    return `<p>${escapeHtml(source).replaceAll('\n', '<br />')}</p>`;
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
