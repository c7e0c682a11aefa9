import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type { Redis } from 'ioredis';

/**
 * Connects to Redis and resolves once it is ready. The client reconnects on its own with a
 * capped backoff (Redis restarted) and its errors are logged instead of crashing the process.
 *
 * While Redis is away a command fails at once instead of waiting in a queue (no offline
 * queue), and a command that was on the wire when the connection broke fails after at most
 * one second (`commandTimeout`): a request that needs Redis gets its answer — an error its
 * caller turns into a 503 or a degraded answer — without hanging. Subscriptions are renewed on
 * reconnect.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 500),
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  await redis.connect();
  return redis;
}

/**
 * A view of `redis` whose `publish` never rejects: a message that cannot be published (Redis
 * away) is dropped with a warning. The Socket.IO emitter and adapter publish without handling
 * the result, so they get this view; every other command behaves as on `redis`.
 * @param onRecovered called once Redis is ready again after something was dropped: the place
 *   to tell clients to catch up on what they missed.
 */
export function droppingPublisher(
  redis: Redis,
  logger: Logger,
  onRecovered: () => void = () => undefined,
): Redis {
  let dropped = false;
  redis.on('ready', () => {
    if (!dropped) return;
    dropped = false;
    onRecovered();
  });
  const publish = (channel: string | Buffer, message: string | Buffer): Promise<number> =>
    redis.publish(channel, message).catch((error: unknown) => {
      dropped = true;
      logger.warn(
        { err: error, channel: channel.toString() },
        'redis unavailable; broadcast dropped',
      );
      return 0;
    });
  return new Proxy(redis, {
    get: (target, property, receiver): unknown =>
      property === 'publish' ? publish : Reflect.get(target, property, receiver),
  });
}
