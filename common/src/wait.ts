import { setTimeout as pause } from 'node:timers/promises';

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** What is awaited, named when the wait times out. */
  what?: string;
  /** How long to wait in all (default 30 s). */
  timeoutMs?: number;
  /** The pause after the first check, doubling after each one (default 20 ms)… */
  intervalMs?: number;
  /** …up to this (default 250 ms). */
  maxIntervalMs?: number;
}

/**
 * Polls `check` until it returns a value other than undefined or false, and returns that value;
 * a check that throws counts as "not yet". Rejects after `timeoutMs` naming `what`, with the
 * last failure as the cause. For health checks and registrations, which announce nothing.
 */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  {
    what = 'condition',
    timeoutMs = 30_000,
    intervalMs = 20,
    maxIntervalMs = 250,
  }: WaitOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await pause(Math.min(maxIntervalMs, intervalMs * 2 ** Math.min(attempt, 16)));
  }
}

/**
 * `work`'s value, or undefined as soon as `signal` aborts (at once when it already has): for
 * waits on a dependency that may never answer. `work` itself goes on; a later rejection of it
 * is ignored.
 */
export async function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
): Promise<T | undefined> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return undefined;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    work.catch(() => undefined);
  }
}
