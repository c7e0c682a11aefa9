import type { Logger, Redis } from '@microflack/common';
import { z } from 'zod';

/** The verdict on a sign-in attempt. */
export type Attempt = { allowed: true } | { allowed: false; retryAfterSeconds: number };

// Counts the attempt and starts the window on the first one, atomically across instances.
const COUNT_ATTEMPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

// Gives back the slot of an attempt that succeeded, unless its window has already ended.
const RELEASE_ATTEMPT = `
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
`;

const counted = z.tuple([z.number(), z.number()]);

/**
 * At most `limit` failed sign-ins per nickname per window, counted in Redis so every instance
 * shares the count. An attempt takes a slot before the password is checked and gives it back
 * when it succeeds: concurrent guesses cannot slip past the limit between check and count.
 * Without Redis there is no count, so no sign-in: {@link begin} rejects and the request is a 503
 * `redis_unavailable` (docs/architecture.md, when a dependency goes away).
 */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly limit = 5,
    private readonly windowMs = 60_000,
  ) {}

  private key(nickname: string): string {
    return `${this.namespace}/users/login-failures/${nickname.toLowerCase()}`;
  }

  /** Takes a slot for an attempt on `nickname`, or says how long to wait. */
  async begin(nickname: string): Promise<Attempt> {
    const [count, ttlMs] = counted.parse(
      await this.redis.eval(COUNT_ATTEMPT, 1, this.key(nickname), this.windowMs),
    );
    if (count <= this.limit) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  /**
   * The attempt succeeded: it no longer counts as a failure. Best effort: when Redis cannot
   * answer, the sign-in still succeeds and the slot stays taken until its window ends.
   */
  async succeeded(nickname: string): Promise<void> {
    try {
      await this.redis.eval(RELEASE_ATTEMPT, 1, this.key(nickname));
    } catch (error) {
      this.logger.warn({ err: error }, 'login limiter unavailable; the attempt stays counted');
    }
  }
}
