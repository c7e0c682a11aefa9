/** How many nickname colours the style sheet defines (`.nick-0` … `.nick-11`). */
export const NICK_COLOURS = 12;

/**
 * The colour of a nickname: the same in every browser and on every visit (FNV-1a of its
 * lower-case form, as nicknames are unique ignoring case).
 */
export function nickColour(nickname: string): number {
  let hash = 0x811c9dc5;
  for (const char of nickname.toLowerCase()) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % NICK_COLOURS;
}
