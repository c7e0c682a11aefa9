import type { Logger, Redis } from '@microflack/common';

/**
 * One typing notice per user per second, counted in Redis so every instance agrees: the
 * returned check says whether `userId` may send one now. When Redis cannot answer, the notice
 * is dropped (a lost "is typing" line is the lesser failure).
 */
export function typingThrottle(
  redis: Redis,
  prefix: string,
  logger: Logger,
): (userId: number) => Promise<boolean> {
  return async (userId) => {
    try {
      return (
        (await redis.set(`${prefix}/socketio/typing/${userId}`, '1', 'PX', 1000, 'NX')) === 'OK'
      );
    } catch (error) {
      logger.warn({ err: error }, 'typing throttle unavailable; dropping the notice');
      return false;
    }
  };
}
