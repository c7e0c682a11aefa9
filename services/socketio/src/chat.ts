import { once } from 'node:events';
import type { Server, Socket } from 'socket.io';
import {
  channelRoom,
  isChannelRoom,
  TokenError,
  userRoom,
  verifyToken,
  type ErrorBody,
  type Logger,
  type TokenAuth,
} from '@microflack/common';
import { rateLimited, type ChatEvent, type ChatLimits } from './abuse-limits.js';
import type { CallResult } from './chat-api.js';
import type {
  ClientToServerEvents,
  InterServerEvents,
  PingAck,
  PostAck,
  PostPayload,
  ServerToClientEvents,
  SocketData,
  TypingPayload,
} from './events.js';

/** The typed Socket.IO server of the chat. */
export type ChatServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
/** A socket of the chat. */
export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** The calls the chat makes to other services. */
export interface ChatCalls {
  markOnline(token: string): Promise<CallResult>;
  markOffline(token: string): Promise<CallResult>;
  postMessage(token: string, payload: PostPayload): Promise<CallResult>;
  /** The channels the token's user is a member of; undefined when they cannot be had. */
  channelIds(token: string): Promise<number[] | undefined>;
}

/** What the chat needs. */
export interface ChatDeps {
  io: ChatServer;
  auth: TokenAuth;
  api: ChatCalls;
  nickname(userId: number): Promise<string | undefined>;
  /** The per-user limits (a typing notice: at most one per user per second, across instances). */
  limits: Pick<ChatLimits, 'byUser'>;
  logger: Logger;
}

type Authenticated = { ok: true; token: string; userId: number } | { ok: false; error: ErrorBody };

// Sockets that have not closed this long after the polite close are disconnected outright.
const DRAIN_GRACE_MS = 3000;

/** #general, channel 1 of messages (docs/api.md, channels): its events go to every socket. */
const GENERAL = 1;

/**
 * The chat's real-time side (docs/events.md): handshake auth, `ping_user`, `post_message`,
 * `typing`, `expired_token`, offline when a user's last socket closes on any instance, polite
 * drain. Payloads arrive parsed (src/listeners.ts); answers are the acks.
 */
export class Chat {
  private draining = false;

  constructor(private readonly deps: ChatDeps) {}

  /**
   * Before a socket connects: the channels of its handshake token's user, so that the socket is
   * in their rooms from its first moment on. A refused token or an unanswered call leaves none
   * (a refusal is announced once the socket is connected).
   */
  async prepare(socket: ChatSocket, token: string | undefined): Promise<void> {
    if (token === undefined || this.draining) return;
    try {
      verifyToken(this.deps.auth, token);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return;
    }
    const ids = await this.deps.api.channelIds(token);
    if (ids === undefined) this.deps.logger.warn('channels unknown: the socket joins no channel');
    else socket.data.channelIds = ids;
  }

  /**
   * A socket connected, with the handshake's token if it gave one. While draining it is closed
   * at once (a transport close: the client reconnects, elsewhere).
   * @returns whether the socket stays.
   */
  connected(socket: ChatSocket, token: string | undefined): boolean {
    if (this.draining) {
      socket.conn.close();
      return false;
    }
    if (token !== undefined) {
      const auth = this.authenticate(socket, token);
      if (auth.ok) this.bind(socket, auth.userId, auth.token, socket.data.channelIds);
    }
    return true;
  }

  /** Checks a token locally; a refused one is announced with `expired_token`. */
  private authenticate(socket: ChatSocket, given: string | undefined): Authenticated {
    const token = given ?? socket.data.token;
    if (token === undefined) {
      return { ok: false, error: { error: 'A token is required.', code: 'token_required' } };
    }
    try {
      return { ok: true, token, userId: verifyToken(this.deps.auth, token).user_id };
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      this.tokenRefused(socket, token);
      return { ok: false, error: { error: error.message, code: error.code } };
    }
  }

  /**
   * Announces a refused token with `expired_token`. When it was the socket's own token, the socket
   * becomes anonymous: its user is signed out there, and offline if that was their last socket.
   */
  private tokenRefused(socket: ChatSocket, token: string): void {
    socket.emit('expired_token');
    const { userId } = socket.data;
    if (userId === undefined || token !== socket.data.token) return;
    socket.data = {};
    void socket.leave(userRoom(userId));
    this.leaveChannels(socket);
    this.settlePresence(userId);
  }

  /**
   * Makes `userId` the socket's user (a ping may sign an anonymous socket in, or refresh its
   * token), in the rooms of the user and, when the user is new to the socket, of `channelIds`.
   */
  private bind(
    socket: ChatSocket,
    userId: number,
    token: string,
    channelIds: number[] | undefined,
  ): void {
    const previous = socket.data.userId;
    if (previous !== undefined && previous !== userId) {
      void socket.leave(userRoom(previous));
      this.leaveChannels(socket);
    }
    socket.data = { userId, token };
    void socket.join(userRoom(userId));
    if (previous !== userId && channelIds !== undefined) {
      void socket.join(channelIds.map(channelRoom));
    }
  }

  /** Leaves every channel room: the socket's user changed or was signed out. */
  private leaveChannels(socket: ChatSocket): void {
    for (const room of [...socket.rooms].filter(isChannelRoom)) void socket.leave(room);
  }

  /** An upstream refusal of the token is announced too: the client must sign in again. */
  private refused(
    socket: ChatSocket,
    token: string,
    result: CallResult & { ok: false },
  ): ErrorBody {
    if (result.status === 401) this.tokenRefused(socket, token);
    return result.error;
  }

  /** The refusal when `userId` is past their limit of `event`, across instances. */
  private async overLimit(event: ChatEvent, userId: number): Promise<ErrorBody | undefined> {
    const verdict = await this.deps.limits.byUser(event, userId);
    return verdict.allowed ? undefined : rateLimited(event, verdict.retryAfterSeconds);
  }

  /** `ping_user`: the token's user (or the socket's) is online, and becomes the socket's user. */
  async ping(socket: ChatSocket, token: string | undefined): Promise<PingAck> {
    const auth = this.authenticate(socket, token);
    if (!auth.ok) return auth.error;
    const refused = await this.overLimit('ping_user', auth.userId);
    if (refused) return refused;
    const result = await this.deps.api.markOnline(auth.token);
    if (!result.ok) return this.refused(socket, auth.token, result);
    // A user new to the socket: in their channels' rooms before the ack.
    const channelIds =
      socket.data.userId === auth.userId ? undefined : await this.deps.api.channelIds(auth.token);
    this.bind(socket, auth.userId, auth.token, channelIds);
    return { ok: true };
  }

  /**
   * `post_message`: posts `source` as the token's user (or the socket's); a retry with the same
   * `clientId` acks the first message again.
   */
  async post(
    socket: ChatSocket,
    payload: PostPayload,
    token: string | undefined,
  ): Promise<PostAck> {
    const auth = this.authenticate(socket, token);
    if (!auth.ok) return auth.error;
    const refused = await this.overLimit('post_message', auth.userId);
    if (refused) return refused;
    const result = await this.deps.api.postMessage(auth.token, payload);
    if (!result.ok) return this.refused(socket, auth.token, result);
    return { ok: true, message: result.body };
  }

  /**
   * `typing` in a channel (default #general): the channel's other members hear that the socket's
   * user is typing (everyone else, in #general), at most once a second. A socket outside the
   * channel's room is not a member: its notice goes nowhere.
   */
  async typing(socket: ChatSocket, { channel_id = GENERAL }: TypingPayload): Promise<void> {
    const { userId, token } = socket.data;
    if (userId === undefined) return;
    const room = channel_id === GENERAL ? undefined : channelRoom(channel_id);
    if (room !== undefined && !socket.rooms.has(room)) return;
    if (!this.authenticate(socket, token).ok) return;
    if (!(await this.deps.limits.byUser('typing', userId)).allowed) return;
    const nickname = await this.deps.nickname(userId);
    if (nickname === undefined) return;
    const others = room === undefined ? this.deps.io : this.deps.io.to(room);
    others.except(userRoom(userId)).emit('typing', { user_id: userId, nickname, channel_id });
  }

  /** A socket closed: its user is offline if it was their last, unless this is a drain. */
  closed(socket: ChatSocket): void {
    const { userId } = socket.data;
    // While draining, users are not leaving: their clients reconnect to another instance.
    if (userId === undefined || this.draining) return;
    this.settlePresence(userId);
  }

  /** A socket of `userId` is gone: marks them offline if it was their last, in the background. */
  private settlePresence(userId: number): void {
    this.lastSocketClosed(userId).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, userId }, 'could not settle presence; the sweeper will');
    });
  }

  /** Marks the user offline when no socket of theirs is left on any instance. */
  private async lastSocketClosed(userId: number): Promise<void> {
    const remaining = await this.deps.io.in(userRoom(userId)).fetchSockets();
    if (remaining.length > 0) {
      this.deps.logger.debug({ userId, remaining: remaining.length }, 'user still connected');
      return;
    }
    // The socket's own token may be expired or revoked by now (a sign-out is the usual end of a
    // session), so the call carries a brief token of our own for that user (it lives seconds).
    const result = await this.deps.api.markOffline(this.deps.auth.keys.signBrief(userId).token);
    if (result.ok) this.deps.logger.debug({ userId }, 'last socket closed: user offline');
    else this.deps.logger.info({ userId, code: result.error.code }, 'offline refused');
  }

  /**
   * Closes every socket of this instance politely (a transport close, so clients reconnect with
   * their jittered backoff to another instance) and resolves once they are gone.
   */
  async drain(): Promise<void> {
    this.draining = true;
    const sockets = [...this.deps.io.of('/').sockets.values()];
    const gone = Promise.all(sockets.map((socket) => once(socket, 'disconnect')));
    for (const socket of sockets) socket.conn.close();
    const fallback = setTimeout(() => this.deps.io.local.disconnectSockets(true), DRAIN_GRACE_MS);
    await gone;
    clearTimeout(fallback);
  }
}
