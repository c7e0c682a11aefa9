/** Options of {@link waitFor}. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
}

/**
 * Polls `check` until it returns a value other than undefined/false (or stops throwing) and
 * returns that value; rejects with the last failure after `timeoutMs`.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 10, what = 'condition' }: WaitOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
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
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Anything with `once(event, listener)`: Node emitters and Socket.IO sockets alike. */
export interface OnceEmitter {
  once(event: string, listener: (...args: never[]) => void): unknown;
}

/** Resolves with the arguments of the next `event` on `emitter` (Socket.IO sockets included). */
export function nextEvent<Args extends unknown[] = unknown[]>(
  emitter: OnceEmitter,
  event: string,
): Promise<Args> {
  return new Promise((resolve) => {
    emitter.once(event, (...args: never[]) => resolve(args as unknown as Args));
  });
}
