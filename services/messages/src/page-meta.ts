import { Parser } from 'htmlparser2';

/** What a preview shows of a page; both plain text (entities decoded, not yet escaped). */
export interface PageMeta {
  title?: string;
  description?: string;
}

const MAX_TITLE = 200;
const MAX_DESCRIPTION = 400;

function tidy(text: string | undefined, max: number): string | undefined {
  const clean = text?.replace(/\s+/g, ' ').trim();
  if (!clean) return undefined;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Reads `og:title`/`<title>` and `og:description`/`meta description` with a real HTML parser. */
export function pageMeta(html: string): PageMeta {
  const found: Record<'ogTitle' | 'title' | 'ogDescription' | 'description', string | undefined> = {
    ogTitle: undefined,
    title: undefined,
    ogDescription: undefined,
    description: undefined,
  };
  let inTitle = false;
  let titleText = '';
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'title' && found.title === undefined) inTitle = true;
      if (name !== 'meta') return;
      const key = (attributes['property'] ?? attributes['name'] ?? '').toLowerCase();
      const content = attributes['content'];
      if (key === 'og:title') found.ogTitle ??= content;
      else if (key === 'og:description') found.ogDescription ??= content;
      else if (key === 'description') found.description ??= content;
    },
    ontext(text) {
      if (inTitle) titleText += text;
    },
    onclosetag(name) {
      if (name === 'title' && inTitle) {
        inTitle = false;
        found.title = titleText;
      }
    },
  });
  parser.end(html);
  const meta: PageMeta = {};
  const title = tidy(found.ogTitle, MAX_TITLE) ?? tidy(found.title ?? titleText, MAX_TITLE);
  const description =
    tidy(found.ogDescription, MAX_DESCRIPTION) ?? tidy(found.description, MAX_DESCRIPTION);
  if (title !== undefined) meta.title = title;
  if (description !== undefined) meta.description = description;
  return meta;
}
