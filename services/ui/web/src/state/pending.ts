import type { Message } from './models.js';

/**
 * A post the server has not confirmed: `queued` waits for a connection, `sending` waits for its
 * ack, `failed` stays visible with a retry.
 */
export interface PendingPost {
  /** The post's client id, sent with every attempt: the server posts it once (docs/events.md). */
  readonly key: string;
  readonly source: string;
  /** The channel it is posted in. */
  readonly channelId: number;
  readonly state: 'queued' | 'sending' | 'failed';
  /** Why it failed, for the person. */
  readonly error?: string;
}

/**
 * A new post's client id: 128 random bits in hex. (`crypto.randomUUID` exists only in secure
 * contexts; the chat may be served over plain HTTP.)
 */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A new post, waiting for the connection. */
export function enqueue(
  pending: readonly PendingPost[],
  key: string,
  source: string,
  channelId: number,
): PendingPost[] {
  return [...pending, { key, source, channelId, state: 'queued' }];
}

function update(
  pending: readonly PendingPost[],
  key: string,
  change: (post: PendingPost) => PendingPost,
): PendingPost[] {
  return pending.map((post) => (post.key === key ? change(post) : post));
}

/** The post went out; its ack is awaited. */
export function markSending(pending: readonly PendingPost[], key: string): PendingPost[] {
  return update(pending, key, ({ key, source, channelId }) => ({
    key,
    source,
    channelId,
    state: 'sending',
  }));
}

/** The post failed (an error ack, or no ack in time): it stays, with the reason and a retry. */
export function markFailed(
  pending: readonly PendingPost[],
  key: string,
  error: string,
): PendingPost[] {
  return update(pending, key, ({ key, source, channelId }) => ({
    key,
    source,
    channelId,
    state: 'failed',
    error,
  }));
}

/** A retry puts a failed post back in the queue. */
export function retry(pending: readonly PendingPost[], key: string): PendingPost[] {
  return update(pending, key, ({ key, source, channelId }) => ({
    key,
    source,
    channelId,
    state: 'queued',
  }));
}

/** The post is settled (acknowledged, or given up): it leaves the pending list. */
export function settle(pending: readonly PendingPost[], key: string): PendingPost[] {
  return pending.filter((post) => post.key !== key);
}

/**
 * Messages of mine the server announced for the first time settle the pending posts they
 * stand for (oldest first, by source), even when their ack was lost with a connection: a post
 * is never shown twice, once pending and once posted.
 */
export function settleArrived(
  pending: readonly PendingPost[],
  arrived: readonly Message[],
  myId: number,
): PendingPost[] {
  let remaining = [...pending];
  for (const message of arrived) {
    if (message.user_id !== myId) continue;
    const match = remaining.find(
      (post) =>
        post.state !== 'queued' &&
        post.source === message.source &&
        post.channelId === message.channel_id,
    );
    if (match) remaining = settle(remaining, match.key);
  }
  return remaining;
}

/** The posts to send now that the connection is up, oldest first. */
export function queued(pending: readonly PendingPost[]): PendingPost[] {
  return pending.filter((post) => post.state === 'queued');
}
