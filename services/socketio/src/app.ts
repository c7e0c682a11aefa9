import { randomBytes } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import { Server, type ServerOptions } from 'socket.io';
import {
  createServiceApp,
  type Logger,
  type Redis,
  type ServiceParts,
  type TokenAuth,
} from '@microflack/common';
import { Chat, type ChatCalls, type ChatServer } from './chat.js';
import { NicknameCache } from './nicknames.js';

/** What the socketio service is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  api: ChatCalls & { nickname(userId: number): Promise<string | undefined> };
  /** The Socket.IO adapter (Redis in production). */
  adapter: ServerOptions['adapter'];
  /** Holds the typing throttle; keys are namespaced by `prefix`. */
  redis: Redis;
  prefix: string;
  registry: Registry;
  /** Starts every Engine.IO session id, so the balancer can route polls without a cookie. */
  sessionPrefix: string;
}

/** One typing notice per user per second, counted in Redis so every instance agrees. */
function typingGate(redis: Redis, prefix: string, logger: Logger) {
  return async (userId: number): Promise<boolean> => {
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

/**
 * The socketio service: an HTTP app with nothing of its own (Socket.IO answers `/socket.io`
 * before Express sees it), the chat attached to the server, and the drain that closes sockets.
 */
export function createApp(deps: AppDeps): ServiceParts & { io: ChatServer } {
  const { logger, auth, api, adapter, redis, prefix, registry, sessionPrefix } = deps;
  const io: ChatServer = new Server({
    path: '/socket.io',
    serveClient: false,
    // A chat event is small; this bounds what one client can make the server buffer.
    maxHttpBufferSize: 64 * 1024,
    adapter,
  });
  const nicknames = new NicknameCache((userId) => api.nickname(userId));
  const chat = new Chat({
    io,
    auth,
    api,
    nickname: (userId) => nicknames.get(userId),
    mayType: typingGate(redis, prefix, logger),
    logger,
  });
  new Gauge({
    name: 'socketio_connections',
    help: 'Socket.IO connections open on this instance',
    registers: [registry],
    collect() {
      this.set(io.of('/').sockets.size);
    },
  });
  return {
    io,
    app: createServiceApp(logger, () => undefined),
    attach(server) {
      io.attach(server);
      io.engine.generateId = () => `${sessionPrefix}-${randomBytes(15).toString('base64url')}`;
    },
    drain: () => chat.drain(),
  };
}
