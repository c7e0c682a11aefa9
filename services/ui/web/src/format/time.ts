const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The local calendar day of `time`, as a key (`2025-3-14`). */
export function dayKey(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

function startOfDay(time: number): number {
  const date = new Date(time);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** The label of a day separator: "Today", "Yesterday", or the date. */
export function dayLabel(time: number, now: number, locale?: string): string {
  const days = Math.round((startOfDay(now) - startOfDay(time)) / (24 * HOUR));
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(time);
}

/** `14:05` in the reader's clock. */
export function clockTime(time: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(time);
}

/**
 * How long ago, for the last day ("just now", "5 min ago", "3 h ago"); older messages sit under
 * their day separator, so their clock time says enough.
 */
export function relativeTime(time: number, now: number, locale?: string): string {
  const elapsed = Math.max(0, now - time);
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < 24 * HOUR && dayKey(time) === dayKey(now))
    return `${Math.floor(elapsed / HOUR)} h ago`;
  return clockTime(time, locale);
}

/** The full date and time, for a tooltip and `<time>`'s reader. */
export function fullTime(time: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' }).format(time);
}
