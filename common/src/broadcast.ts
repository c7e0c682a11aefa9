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
  typing: (payload: { user_id: number; nickname: string }) => void;
  /** Broadcasts were lost (Redis was away): catch up now. */
  resync: () => void;
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

  /** Tells every client that a model was created or changed. */
  updated(modelClass: ModelClass, model: unknown): void {
    this.emitter.emit('updated_model', { class: modelClass, model });
  }

  /** Tells every client that a message was deleted. */
  deleted(id: number): void {
    this.emitter.emit('deleted_model', { class: 'Message', id });
  }
}
