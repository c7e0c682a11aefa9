import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';

/** The model classes clients are told about. */
export type ModelClass = 'User' | 'Message';

/** Server → client Socket.IO events (SPEC §6), shared by the socketio service and the emitters. */
export interface ServerToClientEvents {
  updated_model: (payload: { class: ModelClass; model: unknown }) => void;
  deleted_model: (payload: { class: 'Message'; id: number }) => void;
  expired_token: () => void;
  typing: (payload: { user_id: number; nickname: string }) => void;
}

/**
 * Broadcasts model changes to every Socket.IO client on every socketio instance, through the
 * Socket.IO Redis emitter (no HTTP hop, no dependency on socketio being up).
 */
export class Broadcaster {
  private readonly emitter: Emitter<ServerToClientEvents>;

  constructor(redis: Redis) {
    this.emitter = new Emitter<ServerToClientEvents>(redis);
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
