import DOMPurify from 'dompurify';

// What the messages service renders (docs/api.md, messages): nothing else may reach the page.
const ALLOWED_TAGS = [
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

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'nofollow noopener noreferrer');
  }
});

/**
 * A message's HTML as DOM nodes that are safe to insert, whatever the server sent: the server
 * sanitises already, this is the second lock on the same door. Links may only lead to http(s)
 * and mailto. Nodes, not a string: no `innerHTML` is ever assigned, which lets the page enforce
 * Trusted Types (only DOMPurify's own policy may turn a string into HTML).
 */
export function safeFragment(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    RETURN_DOM_FRAGMENT: true,
  });
}
