import { setTimeout as wait } from 'node:timers/promises';

/** Exponential backoff bounds, in milliseconds. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (0-based): "full jitter" exponential backoff. */
export function backoffDelay(attempt: number, { baseMs, maxMs }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.random() * ceiling;
}

/** Waits the backoff delay for `attempt`; rejects early when `signal` aborts. */
export async function backOff(
  attempt: number,
  options: BackoffOptions,
  signal?: AbortSignal,
): Promise<void> {
  await wait(backoffDelay(attempt, options), undefined, signal ? { signal } : {});
}
