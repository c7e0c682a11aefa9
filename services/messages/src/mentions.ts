// `@` then a nickname (letters, digits, `_`, `-`, `.`, as the users service allows), not inside a
// word or an e-mail address.
const MENTION = /(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{1,32})/g;

/**
 * The nicknames `source` mentions, lower-cased (nicknames are unique case-insensitively), each
 * once. A trailing `.` ends a sentence, not the nickname.
 */
export function mentionsIn(source: string): string[] {
  const nicknames = [...source.matchAll(MENTION)]
    .map((match) => (match[1] ?? '').replace(/\.+$/, '').toLowerCase())
    .filter((nickname) => nickname.length > 0);
  return [...new Set(nicknames)];
}
