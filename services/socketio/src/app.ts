import { Server, type ServerOptions } from 'socket.io';
import {
  createServiceApp,
  type Logger,
  type ServiceParts,
  type TokenAuth,
} from '@microflack/common';
import type { ChatLimits } from './abuse-limits.js';
import { Chat, type ChatCalls, type ChatServer } from './chat.js';
import { listen } from './listeners.js';
import { NicknameCache } from './nicknames.js';

/** What the socketio app is built from. */
export interface AppDeps {
  logger: Logger;
  auth: TokenAuth;
  api: ChatCalls & { nickname(userId: number): Promise<string | undefined> };
  /** The Socket.IO adapter (Redis in production). */
  adapter: ServerOptions['adapter'];
  /** The limits of every client event, per socket and per user. */
  limits: ChatLimits;
}

/**
 * The socketio app: an HTTP app with nothing of its own (Socket.IO answers `/socket.io`
 * before Express sees it), the chat attached to the server, and the drain that closes sockets.
 */
export function createApp(deps: AppDeps): ServiceParts & { io: ChatServer } {
  const { logger, auth, api, adapter, limits } = deps;
  const io: ChatServer = new Server({
    path: '/socket.io',
    serveClient: false,
    // A chat event is small; this bounds what one client can make the server buffer.
    maxHttpBufferSize: 64 * 1024,
    // Socket.IO 2 clients (the 2017 browser app among them) speak Engine.IO v3.
    allowEIO3: true,
    // The handshake sets `io=<session id>`: the load balancer's stick table learns the session's
    // instance from it (docs/architecture.md, stickiness).
    cookie: { name: 'io', path: '/', httpOnly: true, sameSite: 'lax' },
    adapter,
  });
  const nicknames = new NicknameCache((userId) => api.nickname(userId));
  const chat = new Chat({
    io,
    auth,
    api,
    nickname: (userId) => nicknames.get(userId),
    limits,
    logger,
  });
  listen(io, chat, limits, logger);
  return {
    io,
    app: createServiceApp(logger, () => undefined),
    attach(server) {
      io.attach(server);
    },
    drain: () => chat.drain(),
  };
}
