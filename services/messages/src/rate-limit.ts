import { z } from 'zod';
import type { Logger, Redis } from '@microflack/common';

/** A token bucket: `ratePerSecond` tokens refill each second, up to `burst`. */
export interface BucketOptions {
  ratePerSecond: number;
  burst: number;
}

/** 10 messages per second per user, burst 20 (docs/api.md). */
export const MESSAGE_RATE: BucketOptions = { ratePerSecond: 10, burst: 20 };

/** The outcome of one take: allowed, or refused with how long until a token is back. */
export type Take = { allowed: true } | { allowed: false; retryAfterMs: number };

// One atomic read-refill-take in Redis, on Redis's clock, so every instance shares one bucket
// per user and skewed instance clocks cannot mint tokens. Returns {allowed, ms to wait}.
const TAKE = `
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, wait}
`;

const replySchema = z.tuple([z.number(), z.number()]);

/** Per-key token buckets kept in Redis. */
export class RateLimiter {
  /**
   * @param keyPrefix namespaces the buckets (the platform's etcd prefix, so tests never share).
   */
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly options: BucketOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Takes one token from `key`'s bucket. When Redis cannot answer the request is allowed:
   * a chat that stops working because its rate limiter is down is the worse failure.
   */
  async take(key: string): Promise<Take> {
    let reply: unknown;
    try {
      reply = await this.redis.eval(
        TAKE,
        1,
        `${this.keyPrefix}/messages/rate/${key}`,
        this.options.ratePerSecond,
        this.options.burst,
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter unavailable; allowing');
      return { allowed: true };
    }
    const [allowed, waitMs] = replySchema.parse(reply);
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: waitMs };
  }
}
