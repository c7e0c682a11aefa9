/** Someone typing, until a moment after their last notice. */
export interface Typer {
  readonly userId: number;
  readonly nickname: string;
  /** Where they type. */
  readonly channelId: number;
  readonly until: number;
}

/** How long a typing notice lasts: senders repeat it while they type (at most once a second). */
export const TYPING_SHOWN_MS = 4000;

/** A `typing` event: the person types in its channel until `now + TYPING_SHOWN_MS`. */
export function noteTyping(
  typers: readonly Typer[],
  notice: { user_id: number; nickname: string; channel_id: number },
  now: number,
): Typer[] {
  const others = typers.filter((typer) => typer.userId !== notice.user_id);
  const { user_id: userId, nickname, channel_id: channelId } = notice;
  return [...others, { userId, nickname, channelId, until: now + TYPING_SHOWN_MS }];
}

/** The person posted (or left): their typing line goes at once. */
export function stopTyping(typers: readonly Typer[], userId: number): Typer[] {
  return typers.filter((typer) => typer.userId !== userId);
}

/** Those still typing at `now` (in channel `channelId`, when given). */
export function activeTypers(typers: readonly Typer[], now: number, channelId?: number): Typer[] {
  return typers.filter(
    (typer) => typer.until > now && (channelId === undefined || typer.channelId === channelId),
  );
}

/** "ann is typing…", "ann and bob are typing…", "ann, bob and 2 others are typing…". */
export function typingLine(nicknames: readonly string[]): string {
  const [first, second, third] = nicknames;
  if (first === undefined) return '';
  if (second === undefined) return `${first} is typing…`;
  if (third === undefined) return `${first} and ${second} are typing…`;
  if (nicknames.length === 3) return `${first}, ${second} and ${third} are typing…`;
  return `${first}, ${second} and ${nicknames.length - 2} others are typing…`;
}
