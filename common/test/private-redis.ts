import { afterAll, beforeAll } from 'vitest';
import { connectRedis, type Redis } from '@microflack/common';
import { silentLogger, startPrivateRedis, type PrivateRedis } from '@microflack/common/testing';

/** A private Redis for the file's tests, and a connection to it, both ended after them. */
export function usePrivateRedis(): { server: () => PrivateRedis; redis: () => Redis } {
  let server: PrivateRedis | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = await connectRedis(server.url, silentLogger());
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.kill();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the private Redis starts in beforeAll');
    return value;
  };
  return { server: () => started(server), redis: () => started(redis) };
}
