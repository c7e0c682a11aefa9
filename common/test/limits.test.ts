import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  connectRedis,
  createServiceApp,
  Limit,
  limitRequests,
  type LimitRule,
} from '@microflack/common';
import { silentLogger, startPrivateRedis, uniquePrefix } from '@microflack/common/testing';
import { usePrivateRedis } from './private-redis.js';

const logger = silentLogger();
const rule: LimitRule = { name: 'probe', points: 3, durationSeconds: 60 };
const { redis } = usePrivateRedis();

/** Spends one point of `key` `times` times in a row and returns whether each was allowed. */
async function spend(limit: Limit, key: string, times: number): Promise<boolean[]> {
  const allowed = [];
  for (let n = 0; n < times; n++) allowed.push((await limit.take(key)).allowed);
  return allowed;
}

describe('Limit', () => {
  it('when a key spends its points, then the next action is refused with a Retry-After; other keys are untouched', async () => {
    const limit = new Limit(redis(), uniquePrefix(), rule);

    const spent = await spend(limit, 'alice', 3);
    const refused = await limit.take('alice');
    const other = await limit.take('bob');

    expect(spent).toEqual([true, true, true]);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) as unknown });
    expect(other.allowed).toBe(true);
  });

  it('when two instances count one key, then they share the allowance through Redis', async () => {
    const prefix = uniquePrefix();
    const first = new Limit(redis(), prefix, rule);
    const second = new Limit(redis(), prefix, rule);

    const allowed = [...(await spend(first, 'carol', 2)), ...(await spend(second, 'carol', 2))];

    expect(allowed).toEqual([true, true, true, false]);
  });

  it('when points are given back, then they can be spent again', async () => {
    const limit = new Limit(redis(), uniquePrefix(), rule);

    await spend(limit, 'dave', 3);
    await limit.giveBack('dave');

    expect(await spend(limit, 'dave', 2)).toEqual([true, false]);
  });

  it('when a scale is given, then it multiplies the points', async () => {
    const limit = new Limit(redis(), uniquePrefix(), rule, 2);

    expect(await spend(limit, 'erin', 7)).toEqual([true, true, true, true, true, true, false]);
  });

  it('when a rule is not scaled, then the scale leaves its points alone', async () => {
    const limit = new Limit(redis(), uniquePrefix(), { ...rule, scaled: false }, 1000);

    expect(await spend(limit, 'gina', 4)).toEqual([true, true, true, false]);
  });

  it('when a rule is local, then each instance counts alone and Redis holds nothing', async () => {
    const prefix = uniquePrefix();
    const local = { ...rule, local: true };
    const first = new Limit(redis(), prefix, local);
    const second = new Limit(redis(), prefix, local);

    const allowed = [...(await spend(first, 'hank', 4)), ...(await spend(second, 'hank', 1))];

    expect(allowed).toEqual([true, true, true, false, true]);
    expect(await redis().keys(`${prefix}/*`)).toEqual([]);
  });

  it('when Redis is away, then each instance still refuses past the limit (in memory) and nothing fails', async () => {
    const away = await startPrivateRedis();
    const connection = await connectRedis(away.url, logger);
    const limit = new Limit(connection, uniquePrefix(), rule);
    await away.kill();

    const allowed = await spend(limit, 'frank', 4);
    connection.disconnect();

    expect(allowed).toEqual([true, true, true, false]);
  });
});

describe('limitRequests', () => {
  it('when one address sends past the limit, then 429 with Retry-After and the JSON error body', async () => {
    const limit = new Limit(redis(), uniquePrefix(), { ...rule, points: 2 });
    const app = createServiceApp(logger, (app) => {
      const refusal = { code: 'too_many_requests', message: 'Slow down.' };
      app.post('/things', limitRequests(limit, refusal), (_req, res) => {
        res.status(201).json({});
      });
    });
    const from = (address: string) => request(app).post('/things').set('x-forwarded-for', address);

    const statuses = [(await from('203.0.113.1')).status, (await from('203.0.113.1')).status];
    const limited = await from('203.0.113.1');
    const elsewhere = await from('203.0.113.2');

    expect(statuses).toEqual([201, 201]);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.body).toEqual({ error: 'Slow down.', code: 'too_many_requests' });
    expect(elsewhere.status).toBe(201);
  });
});
