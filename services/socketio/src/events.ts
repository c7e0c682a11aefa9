import type { ErrorBody } from '@microflack/common';

export type { ServerToClientEvents } from '@microflack/common';

/** The ack of `ping_user`; its error half is the HTTP API's `{error, code}`. */
export type PingAck = { ok: true } | ErrorBody;

/** The ack of `post_message`: the created message as messages answered it. */
export type PostAck = { ok: true; message: unknown } | ErrorBody;

/**
 * What `post_message` carries: the source, the channel (default #general) and, optionally, the
 * client's id for this post (its idempotency key: a retry with the same id acks the first message
 * instead of posting twice).
 */
export interface PostPayload {
  source: string;
  channel_id?: number | undefined;
  client_id?: string | undefined;
}

/** What `typing` carries: the channel typed in (default #general). */
export interface TypingPayload {
  channel_id?: number | undefined;
}

/** Client → server events (docs/events.md). Every payload is still validated: clients lie. */
export interface ClientToServerEvents {
  ping_user: (token?: string | null, ack?: (response: PingAck) => void) => void;
  post_message: (
    payload: PostPayload,
    token?: string | null,
    ack?: (response: PostAck) => void,
  ) => void;
  typing: (payload?: TypingPayload) => void;
}

/** No server-to-server events: instances talk through the Redis adapter only. */
export type InterServerEvents = Record<string, never>;

/** What a socket knows about its user once a token was accepted. */
export interface SocketData {
  userId?: number;
  token?: string;
  /**
   * The channels (besides #general) of the handshake token's user, fetched before the socket
   * connects; its rooms are joined with the user's.
   */
  channelIds?: number[];
}
