import type { ErrorBody, Logger } from '@microflack/common';
import { rateLimited, type ChatLimits } from './abuse-limits.js';
import { invalidPayload, reply, splitAck, type Ack } from './acks.js';
import type { Chat, ChatServer, ChatSocket } from './chat.js';
import type { ClientToServerEvents } from './events.js';
import { handshakeAuth, pingArgs, postArgs, typingArgs } from './schemas.js';

type Handler = (params: unknown[], ack: Ack | undefined) => Promise<void>;

const internalError: ErrorBody = {
  error: 'Something went wrong on our side.',
  code: 'internal_error',
};

/**
 * Spends every incoming event of the socket, known or not, before any listener runs: past its
 * per-socket limit an event is refused (acked `rate_limited` when it has an ack, else dropped);
 * past the flood limit the socket is disconnected.
 */
function limitBySocket(socket: ChatSocket, limits: ChatLimits, logger: Logger): void {
  socket.use(([event, ...args]: [string, ...unknown[]], next) => {
    const { ack } = splitAck(args);
    limits.bySocket(socket.id, event).then(
      (verdict) => {
        // The rest of a flood, still queued after the disconnect: already dealt with.
        if (socket.disconnected) return;
        if ('flood' in verdict) {
          logger.warn({ event, userId: socket.data.userId }, 'event flood: socket disconnected');
          socket.disconnect(true);
        } else if (verdict.allowed) next();
        else reply(ack, rateLimited(event, verdict.retryAfterSeconds));
      },
      (error: unknown) => {
        logger.error({ err: error, event }, 'socket limit failed');
        reply(ack, internalError);
      },
    );
  });
}

/** Runs handlers on a socket's raw arguments; whatever they throw is logged and acked, never fatal. */
function handlerOn(socket: ChatSocket, logger: Logger) {
  return (event: keyof ClientToServerEvents, handler: Handler): void => {
    socket.on(event, (...args: unknown[]) => {
      const { params, ack } = splitAck(args);
      handler(params, ack).catch((error: unknown) => {
        logger.error({ err: error, event }, 'socket event failed');
        reply(ack, internalError);
      });
    });
  };
}

/**
 * The edge of the chat: every socket's handshake and events are parsed here (clients lie), each
 * event spends the socket's limits, a payload of the wrong shape is acked `invalid_payload`, and
 * the rest goes to the chat, whose answer is the ack.
 */
export function listen(io: ChatServer, chat: Chat, limits: ChatLimits, logger: Logger): void {
  // The socket connects once its channels are known, so it misses none of their events.
  io.use((socket, next) => {
    chat.prepare(socket, handshakeAuth.parse(socket.handshake)).then(
      () => next(),
      (error: unknown) => {
        logger.error({ err: error }, 'socket preparation failed');
        next();
      },
    );
  });
  io.on('connection', (socket) => {
    const token = handshakeAuth.parse(socket.handshake);
    if (!chat.connected(socket, token)) return;
    limitBySocket(socket, limits, logger);
    const on = handlerOn(socket, logger);
    on('ping_user', async (params, ack) => {
      const args = pingArgs.safeParse(params);
      if (!args.success) return reply(ack, invalidPayload('ping_user takes an optional token'));
      reply(ack, await chat.ping(socket, args.data[0]));
    });
    on('post_message', async (params, ack) => {
      const args = postArgs.safeParse(params);
      if (!args.success) {
        return reply(
          ack,
          invalidPayload(
            'post_message takes {source: string, channel_id?: positive integer, client_id?: 1–64 visible ASCII characters} and an optional token',
          ),
        );
      }
      const [payload, given] = args.data;
      reply(ack, await chat.post(socket, payload, given));
    });
    on('typing', async (params) => {
      const args = typingArgs.safeParse(params);
      if (args.success) await chat.typing(socket, args.data[0]);
    });
    socket.on('disconnect', () => chat.closed(socket));
  });
}
