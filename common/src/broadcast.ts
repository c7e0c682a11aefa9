import { Emitter } from '@socket.io/redis-emitter';
import type { Logger } from 'pino';
import { droppingPublisher, type Redis } from './redis.js';

/** The model classes clients are told about. */
export type ModelClass = 'User' | 'Message' | 'Channel';

/** Server → client Socket.IO events (docs/events.md), shared by the socketio service and the emitters. */
export interface ServerToClientEvents {
  updated_model: (payload: { class: ModelClass; model: unknown }) => void;
  deleted_model: (payload: { class: 'Message'; id: number }) => void;
  expired_token: () => void;
  /** Someone is typing in channel `channel_id` (`1`, #general, for clients that name none). */
  typing: (payload: { user_id: number; nickname: string; channel_id: number }) => void;
  /** Broadcasts were lost (Redis was away): catch up now. */
  resync: () => void;
}

/** The Socket.IO room every socket of a user joins, on every instance. */
export function userRoom(userId: number): string {
  return `user:${userId}`;
}

/**
 * The Socket.IO room of a channel: the sockets of its members, on every instance
 * (docs/architecture.md, channel rooms).
 */
export function channelRoom(channelId: number): string {
  return `channel:${channelId}`;
}

/** Whether `room` is a {@link channelRoom}. */
export function isChannelRoom(room: string): boolean {
  return /^channel:\d+$/.test(room);
}

/**
 * The Redis channel key that the Socket.IO adapter and the emitters of one platform share: Socket.IO's
 * default for the default prefix, one of its own for any other prefix (tests), so broadcasts never
 * cross from one platform, or test, to another on a shared Redis.
 */
export function broadcastKey(prefix: string): string {
  return prefix === '/microflack' ? 'socket.io' : `socket.io${prefix}`;
}

/**
 * Broadcasts model changes to every Socket.IO client on every socketio instance, through the
 * Socket.IO Redis emitter (no HTTP hop, no dependency on socketio being up). While Redis is
 * away a broadcast is dropped with a warning and the change itself still succeeds; when Redis
 * is back every client gets `resync` and catches up (docs/architecture.md, when a dependency
 * goes away).
 */
export class Broadcaster {
  private readonly emitter: Emitter<ServerToClientEvents>;

  /** @param prefix the platform's etcd prefix: its {@link broadcastKey} names the channel. */
  constructor(redis: Redis, prefix: string, logger: Logger) {
    // Once Redis is back after broadcasts were dropped, every client is told to catch up.
    const publisher = droppingPublisher(redis, logger, () => this.emitter.emit('resync'));
    this.emitter = new Emitter<ServerToClientEvents>(publisher, { key: broadcastKey(prefix) });
  }

  /** The clients of `room`, or every client when there is none. */
  private audience(room: string | undefined) {
    return room === undefined ? this.emitter : this.emitter.to(room);
  }

  /** Tells the clients in `room` (default: every client) that a model was created or changed. */
  updated(modelClass: ModelClass, model: unknown, room?: string): void {
    this.audience(room).emit('updated_model', { class: modelClass, model });
  }

  /** Tells the clients in `room` (default: every client) that a message was deleted. */
  deleted(id: number, room?: string): void {
    this.audience(room).emit('deleted_model', { class: 'Message', id });
  }

  /**
   * Makes every socket of `userId`, on every socketio instance, join `room` (sent on the same
   * connection as the broadcasts, so a broadcast sent after it reaches the new member).
   */
  joinRoom(userId: number, room: string): void {
    this.emitter.in(userRoom(userId)).socketsJoin(room);
  }

  /** Makes every socket of `userId`, on every socketio instance, leave `room`. */
  leaveRoom(userId: number, room: string): void {
    this.emitter.in(userRoom(userId)).socketsLeave(room);
  }
}
