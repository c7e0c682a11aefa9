import { signal } from '@preact/signals';
import type { ChatSocket } from './api/socket.js';
import { asMessage, isObject, type Message } from './state/models.js';
import {
  enqueue,
  markFailed,
  markSending,
  newClientId,
  queued,
  retry,
  settle,
  settleArrived,
  type PendingPost,
} from './state/pending.js';

const ACK_TIMEOUT_MS = 10_000;

/** What the outbox needs from its chat. */
export interface OutboxDeps {
  socket: ChatSocket;
  token: string;
  /** A post's message, as its ack brought it. */
  arrived(messages: readonly Message[]): void;
}

/**
 * The posts of one tab on their way out (`post_message`): each is pending at once, sent when
 * connected under its own client id, and settled by its ack. However often a post is sent, the
 * server posts it once (docs/events.md).
 */
export class Outbox {
  readonly pending = signal<PendingPost[]>([]);

  constructor(private readonly deps: OutboxDeps) {}

  /** A new post in channel `channelId`, with a new client id. */
  add(source: string, channelId: number): void {
    this.pending.value = enqueue(this.pending.value, newClientId(), source, channelId);
    this.flush();
  }

  /** Sends a failed post again, under its client id. */
  retry(key: string): void {
    this.pending.value = retry(this.pending.value, key);
    this.flush();
  }

  /** Gives a failed post up. */
  discard(key: string): void {
    this.pending.value = settle(this.pending.value, key);
  }

  /** Messages of `userId` announced for the first time settle the posts they stand for. */
  settleArrived(fresh: readonly Message[], userId: number): void {
    this.pending.value = settleArrived(this.pending.value, fresh, userId);
  }

  /** Sends every queued post, when connected. */
  flush(): void {
    if (!this.deps.socket.connected) return;
    for (const post of queued(this.pending.value)) this.send(post);
  }

  private send({ key, source, channelId }: PendingPost): void {
    const { socket, token } = this.deps;
    this.pending.value = markSending(this.pending.value, key);
    const payload = { source, channel_id: channelId, client_id: key };
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit('post_message', payload, token, (error: Error | null, ack: unknown) => {
        if (error) {
          // Lost with the connection: it goes again on the reconnect, under the same client id.
          this.pending.value = socket.connected
            ? markFailed(this.pending.value, key, 'Not confirmed.')
            : retry(this.pending.value, key);
          return;
        }
        const message = isObject(ack) && ack['ok'] === true ? asMessage(ack['message']) : undefined;
        if (message) {
          this.deps.arrived([message]);
          this.pending.value = settle(this.pending.value, key);
          return;
        }
        const reason =
          isObject(ack) && typeof ack['error'] === 'string' ? ack['error'] : 'Not sent.';
        this.pending.value = markFailed(this.pending.value, key, reason);
      });
  }
}
