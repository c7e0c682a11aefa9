// `@` then a nickname (letters, digits, `_`, `-`, `.`, as users allows), not inside a word or an
// e-mail address: how the messages service counts mentions (docs/api.md, channels).
const MENTION = /(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{1,32})/g;

/** A piece of text: plain, or a mention of `nickname` (as written, without `@`). */
export interface TextPiece {
  text: string;
  nickname?: string;
}

/**
 * `text` cut into plain pieces and mentions. A trailing `.` ends a sentence, not the nickname:
 * it stays plain.
 */
export function mentionPieces(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let from = 0;
  for (const match of text.matchAll(MENTION)) {
    const nickname = (match[1] ?? '').replace(/\.+$/, '');
    if (nickname === '') continue;
    if (match.index > from) pieces.push({ text: text.slice(from, match.index) });
    pieces.push({ text: `@${nickname}`, nickname });
    from = match.index + 1 + nickname.length;
  }
  if (from < text.length) pieces.push({ text: text.slice(from) });
  return pieces;
}

/** Whether `source` mentions `nickname` (nicknames are unique in any letter case). */
export function mentions(source: string, nickname: string): boolean {
  const wanted = nickname.toLowerCase();
  return mentionPieces(source).some((piece) => piece.nickname?.toLowerCase() === wanted);
}
