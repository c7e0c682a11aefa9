import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { Broadcaster, createServiceApp, droppingPublisher, errorBody } from '@microflack/common';
import { silentLogger, uniquePrefix, waitFor } from '@microflack/common/testing';
import { usePrivateRedis } from './private-redis.js';

const logger = silentLogger();
const { server, redis } = usePrivateRedis();

/** An app whose one route needs Redis, as a service's would. */
function appOnRedis(): express.Express {
  return createServiceApp(logger, (app) =>
    app.get('/api/counter', async (_req, res) => {
      res.json({ count: await redis().incr(`${uniquePrefix()}/counter`) });
    }),
  );
}

describe('a Redis connection while Redis is away', () => {
  it('when Redis stops, then a request that needs it is a 503 redis_unavailable, a broadcast is dropped, and both work again within 2 s of its return', async () => {
    const app = appOnRedis();
    const broadcaster = new Broadcaster(redis(), uniquePrefix(), logger);
    expect((await request(app).get('/api/counter')).status).toBe(200);

    await server().kill();
    const refused = await request(app).get('/api/counter');
    // A broadcast that cannot be sent must not reject anywhere (vitest fails on unhandled rejections).
    broadcaster.updated('User', { id: 1 });
    await server().start();
    await waitFor(async () => (await request(app).get('/api/counter')).status === 200, {
      timeoutMs: 2000,
      what: 'requests to succeed again after Redis returned',
    });

    expect(refused.status).toBe(503);
    expect(errorBody.parse(refused.body).code).toBe('redis_unavailable');
    expect(refused.headers['retry-after']).toBe('1');
    broadcaster.updated('User', { id: 2 });
    expect(await redis().ping()).toBe('PONG');
  });

  it('when a broadcast was dropped while Redis was away, then the recovery hook (resync) runs once it is back, once', async () => {
    let recovered = 0;
    const publisher = droppingPublisher(redis(), logger, () => recovered++);
    await publisher.publish('mf-test-channel', 'before');

    await server().kill();
    expect(await publisher.publish('mf-test-channel', 'dropped')).toBe(0);
    await server().start();
    await waitFor(() => recovered === 1, { timeoutMs: 5000, what: 'the recovery hook' });
    await publisher.publish('mf-test-channel', 'after');

    expect(recovered).toBe(1);
  });
});
