import { backOff } from '@microflack/common';

/**
 * Waits on a health check: calls `check` with a short, growing backoff until it answers true,
 * and fails with a message naming `what` after `timeoutMs`.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await backOff(Math.min(attempt, 4), { baseMs: 20, maxMs: 250 });
  }
}
