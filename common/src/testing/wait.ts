import { waitUntil, type WaitOptions } from '../wait.js';

/**
 * {@link waitUntil} with a test's pace: a check every `intervalMs` (10 ms by default), for
 * `timeoutMs` (5 s by default). Returns the first value other than undefined or false.
 */
export function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 10, what }: Omit<WaitOptions, 'maxIntervalMs'> = {},
): Promise<Exclude<T, false | undefined>> {
  return waitUntil(check, { timeoutMs, intervalMs, maxIntervalMs: intervalMs, what });
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
