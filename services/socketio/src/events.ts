export type { ServerToClientEvents } from '@microflack/common';

/** The error half of every ack: the same `{error, code}` as the HTTP API. */
export interface AckError {
  error: string;
  code: string;
}

/** The ack of `ping_user`. */
export type PingAck = { ok: true } | AckError;

/** The ack of `post_message`: the created message as messages answered it. */
export type PostAck = { ok: true; message: unknown } | AckError;

/** Client → server events (docs/events.md). Every payload is still validated: clients lie. */
export interface ClientToServerEvents {
  ping_user: (token?: string | null, ack?: (response: PingAck) => void) => void;
  post_message: (
    payload: { source: string },
    token?: string | null,
    ack?: (response: PostAck) => void,
  ) => void;
  typing: () => void;
}

/** No server-to-server events: instances talk through the Redis adapter only. */
export type InterServerEvents = Record<string, never>;

/** What a socket knows about its user once a token was accepted. */
export interface SocketData {
  userId?: number;
  token?: string;
}
