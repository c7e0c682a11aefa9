import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { BaseConfig } from './config.js';
import { HttpError } from './errors.js';

/** How much one key (an address, a user, a socket) may do. */
export interface LimitRule {
  /** Names the counters: they live in Redis under `<prefix>/limits/<name>:<key>`. */
  name: string;
  /** Points a key may spend per window (an action costs 1 unless said otherwise). */
  points: number;
  /** The window, in seconds. */
  durationSeconds: number;
  /** Once over, the key stays refused this long (default: until its window ends). */
  blockSeconds?: number;
  /**
   * False: `MF_RATE_LIMIT_SCALE` never applies. For limits on guessing (failed sign-ins), which
   * no honest busy address reaches, so tests that raise the scale still meet them.
   */
  scaled?: boolean;
  /**
   * True: counted in this instance's memory only, never in Redis. For keys that live on one
   * instance (a socket): sharing them would cost a Redis round trip and buy nothing.
   */
  local?: boolean;
}

/** The answer to an action: go ahead, or wait this long. */
export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const retryAfter = (result: RateLimiterRes): number =>
  Math.max(1, Math.ceil(result.msBeforeNext / 1000));

/**
 * One abuse limit shared by every instance: the counts live in Redis (rate-limiter-flexible's
 * atomic `RateLimiterRedis`). While Redis is away each instance counts alone in memory (its
 * insurance limiter), so limits hold per instance instead of failing requests or failing open.
 * A {@link LimitRule.local} rule counts in memory only.
 */
export class Limit {
  private readonly limiter: RateLimiterRedis | RateLimiterMemory;

  /**
   * @param redis the service's Redis connection.
   * @param prefix the platform's prefix (`MF_ETCD_PREFIX`): platforms sharing Redis never share counts.
   * @param rule what the limit allows.
   * @param scale multiplies the points unless the rule says otherwise (`MF_RATE_LIMIT_SCALE`;
   *   tests acting as one busy address raise it).
   */
  constructor(redis: Redis, prefix: string, rule: LimitRule, scale = 1) {
    const options = {
      keyPrefix: `${prefix}/limits/${rule.name}`,
      points: rule.scaled === false ? rule.points : Math.max(1, Math.round(rule.points * scale)),
      duration: rule.durationSeconds,
      blockDuration: rule.blockSeconds ?? 0,
    };
    const memory = new RateLimiterMemory(options);
    this.limiter =
      rule.local === true
        ? memory
        : new RateLimiterRedis({
            ...options,
            storeClient: redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          });
  }

  /** Spends `points` of `key`'s allowance; refused once it is spent (the attempt still counts). */
  async take(key: string, points = 1): Promise<Verdict> {
    try {
      await this.limiter.consume(key, points);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: retryAfter(rejection) };
      }
      throw rejection;
    }
  }

  /**
   * {@link take}, answering a refusal with a 429 carrying `Retry-After`.
   * @throws HttpError 429 with the refusal's `code` and `message`.
   */
  async enforce(key: string, refusal: { code: string; message: string }): Promise<void> {
    const verdict = await this.take(key);
    if (!verdict.allowed) throw tooManyRequests(verdict.retryAfterSeconds, refusal);
  }

  /** Gives back points taken for an action that turned out not to count (a sign-in that succeeded). */
  async giveBack(key: string, points = 1): Promise<void> {
    await this.limiter.reward(key, points);
  }
}

/** The 429 of a spent allowance, with its `Retry-After`. */
export function tooManyRequests(
  retryAfterSeconds: number,
  { code, message }: { code: string; message: string },
): HttpError {
  return new HttpError(429, code, message, { 'Retry-After': String(retryAfterSeconds) });
}

/**
 * The limits of one platform: `const limit = limitsFor(redis, config)`, then `limit(rule)` for
 * each rule, all under the platform's prefix and scale.
 */
export function limitsFor(
  redis: Redis,
  config: Pick<BaseConfig, 'MF_ETCD_PREFIX' | 'MF_RATE_LIMIT_SCALE'>,
): (rule: LimitRule) => Limit {
  return (rule) => new Limit(redis, config.MF_ETCD_PREFIX, rule, config.MF_RATE_LIMIT_SCALE);
}

/**
 * Middleware: each request spends one point of `keyOf(req)` (by default the client address
 * Express resolved through the load balancer); past the limit it is a 429 with `Retry-After`.
 */
export function limitRequests(
  limit: Limit,
  refusal: { code: string; message: string },
  keyOf: (req: Request) => string = (req) => req.ip ?? 'unknown',
): RequestHandler {
  return async (req, _res, next) => {
    await limit.enforce(keyOf(req), refusal);
    next();
  };
}
