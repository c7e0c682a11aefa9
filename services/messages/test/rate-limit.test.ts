import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, connectRedis, type Redis } from '@microflack/common';
import { silentLogger, testConfig } from '@microflack/common/testing';
import { RateLimiter } from '../src/rate-limit.js';

const config = testConfig(baseEnv);
let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis(config.REDIS_URL, silentLogger());
});
afterAll(async () => {
  const keys = await redis.keys(`${config.MF_ETCD_PREFIX}/*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

// A bucket that refills once an hour: whatever the test's speed, no token comes back meanwhile.
const slow = { ratePerSecond: 1 / 3600, burst: 3 };

describe('RateLimiter', () => {
  it('when the burst is used up, then the next take is refused with the wait until a token is back', async () => {
    const limiter = new RateLimiter(redis, config.MF_ETCD_PREFIX, slow, silentLogger());

    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await limiter.take('user:1'));

    expect(takes.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(takes[3]).toMatchObject({ allowed: false });
    const refused = takes[3];
    if (refused?.allowed !== false) throw new Error('expected a refusal');
    expect(refused.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(3_600_000);
  });

  it('when two instances share Redis, then they share one bucket per key, and keys are separate', async () => {
    const one = new RateLimiter(redis, config.MF_ETCD_PREFIX, slow, silentLogger());
    const other = new RateLimiter(redis, config.MF_ETCD_PREFIX, slow, silentLogger());

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : other).take('user:2')),
    );

    expect(results.filter((take) => take.allowed)).toHaveLength(3);
    expect(await one.take('user:3')).toEqual({ allowed: true });
  });

  it('when Redis cannot answer, then the take is allowed rather than failing the request', async () => {
    const broken = await connectRedis(config.REDIS_URL, silentLogger());
    await broken.quit();
    const limiter = new RateLimiter(broken, config.MF_ETCD_PREFIX, slow, silentLogger());

    expect(await limiter.take('user:4')).toEqual({ allowed: true });
  });
});
