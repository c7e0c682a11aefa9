import { mentionPieces } from '../format/mentions.js';

// Text in code or in a link stays as it is: a mention there is not one.
const UNMARKED = new Set(['CODE', 'PRE', 'A']);

function marked(node: Text): boolean {
  for (let parent = node.parentElement; parent; parent = parent.parentElement) {
    if (UNMARKED.has(parent.tagName)) return false;
  }
  return true;
}

/**
 * Marks each `@nickname` in the text of `fragment` (sanitised message HTML) with a
 * `span.mention`, and `span.mention.me` when it names `me`: text nodes and elements built
 * here, never parsed HTML.
 */
export function markMentions(fragment: DocumentFragment, me: string): DocumentFragment {
  const walker = document.createTreeWalker(fragment, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node instanceof Text && node.data.includes('@') && marked(node)) texts.push(node);
  }
  for (const text of texts) {
    const pieces = mentionPieces(text.data);
    if (!pieces.some((piece) => piece.nickname !== undefined)) continue;
    text.replaceWith(
      ...pieces.map(({ text: part, nickname }) => {
        if (nickname === undefined) return part;
        const span = document.createElement('span');
        span.className = nickname.toLowerCase() === me.toLowerCase() ? 'mention me' : 'mention';
        span.textContent = part;
        return span;
      }),
    );
  }
  return fragment;
}
