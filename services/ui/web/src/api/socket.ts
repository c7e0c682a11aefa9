import { io, type Socket } from 'socket.io-client';

/** What the server says (docs/events.md). */
export interface ServerToClientEvents {
  updated_model: (payload: { class: string; model: unknown }) => void;
  deleted_model: (payload: { class: string; id: number }) => void;
  expired_token: () => void;
  /** `channel_id` is missing from a server that predates channels: #general. */
  typing: (payload: { user_id: number; nickname: string; channel_id?: number }) => void;
  resync: () => void;
}

/** What the client says; every ack is `{ok: true, …}` or the API's `{error, code}`. */
export interface ClientToServerEvents {
  ping_user: (token: string, ack: (response: unknown) => void) => void;
  post_message: (
    payload: { source: string; channel_id: number; client_id: string },
    token: string,
    ack: (response: unknown) => void,
  ) => void;
  /** No payload: #general. */
  typing: (payload?: { channel_id: number }) => void;
}

/** The chat's socket. */
export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Opens the chat's socket on this origin, signed in with `token`. WebSocket first (no sticky
 * polling needed), long polling when a WebSocket cannot be opened; reconnects with Socket.IO's
 * jittered backoff.
 */
export function openSocket(token: string): ChatSocket {
  return io({
    path: '/socket.io',
    auth: { token },
    transports: ['websocket', 'polling'],
    // Without it, a WebSocket that cannot be opened is an error, not a fall back to polling.
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    randomizationFactor: 0.5,
  });
}
