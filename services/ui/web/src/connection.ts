import { signal } from '@preact/signals';
import type { ChatSocket } from './api/socket.js';

/** What the connection indicator shows. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/**
 * The connection indicator of a chat: its socket's state, and "offline" once the browser says so.
 * Listens to the browser's `online`/`offline` events until stopped.
 */
export class ConnectionWatch {
  readonly state = signal<ConnectionState>('connecting');
  // "Offline" only once the browser said so with an `offline` event: `navigator.onLine` alone is
  // false on machines without a default route even though the platform answers (loopback).
  private browserOffline = false;

  constructor(private readonly socket: ChatSocket) {
    addEventListener('online', this.wentOnline);
    addEventListener('offline', this.wentOffline);
  }

  /** The socket connected. */
  connected(): void {
    this.state.value = 'connected';
  }

  /** The socket lost its connection, or could not make one. */
  lost(): void {
    this.state.value = this.browserOffline ? 'offline' : 'reconnecting';
  }

  /** Stops listening to the browser. */
  stop(): void {
    removeEventListener('online', this.wentOnline);
    removeEventListener('offline', this.wentOffline);
  }

  private readonly wentOnline = () => {
    this.browserOffline = false;
    if (this.socket.connected) {
      this.state.value = 'connected';
    } else {
      this.state.value = 'reconnecting';
      this.socket.connect();
    }
  };

  private readonly wentOffline = () => {
    this.browserOffline = true;
    this.state.value = 'offline';
  };
}
