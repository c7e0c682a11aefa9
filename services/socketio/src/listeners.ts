import type { Logger } from '@microflack/common';
import { invalidPayload, reply, splitAck, type Ack } from './acks.js';
import type { Chat, ChatServer, ChatSocket } from './chat.js';
import type { ClientToServerEvents } from './events.js';
import { handshakeAuth, pingArgs, postArgs, typingArgs } from './schemas.js';

type Handler = (params: unknown[], ack: Ack | undefined) => Promise<void>;

/** Runs handlers on a socket's raw arguments; whatever they throw is logged and acked, never fatal. */
function handlerOn(socket: ChatSocket, logger: Logger) {
  return (event: keyof ClientToServerEvents, handler: Handler): void => {
    socket.on(event, (...args: unknown[]) => {
      const { params, ack } = splitAck(args);
      handler(params, ack).catch((error: unknown) => {
        logger.error({ err: error, event }, 'socket event failed');
        reply(ack, { error: 'Something went wrong on our side.', code: 'internal_error' });
      });
    });
  };
}

/**
 * The edge of the chat: every socket's handshake and events are parsed here (clients lie), a
 * payload of the wrong shape is acked `invalid_payload`, and the rest goes to the chat, whose
 * answer is the ack.
 */
export function listen(io: ChatServer, chat: Chat, logger: Logger): void {
  io.on('connection', (socket) => {
    const token = handshakeAuth.parse(socket.handshake);
    if (!chat.connected(socket, token)) return;
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
            'post_message takes {source: string, client_id?: 1–64 visible ASCII characters} and an optional token',
          ),
        );
      }
      const [payload, given] = args.data;
      reply(ack, await chat.post(socket, payload, given));
    });
    on('typing', async (params) => {
      if (typingArgs.safeParse(params).success) await chat.typing(socket);
    });
    socket.on('disconnect', () => chat.closed(socket));
  });
}
