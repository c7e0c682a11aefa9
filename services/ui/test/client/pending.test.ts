import { describe, expect, it } from 'vitest';
import type { Message } from '../../web/src/state/models.js';
import {
  enqueue,
  markFailed,
  markSending,
  newClientId,
  queued,
  retry,
  settle,
  settleArrived,
} from '../../web/src/state/pending.js';

const mine = (id: number, source: string): Message => ({
  id,
  channel_id: 1,
  user_id: 7,
  source,
  html: '',
  created_at: 0,
  updated_at: 0,
  deleted: false,
});

describe('pending posts', () => {
  it('when a post is written, then it waits in the queue, is sent, and its ack settles it', () => {
    let pending = enqueue([], 'a', 'hello', 1);
    expect(queued(pending).map((post) => post.key)).toEqual(['a']);

    pending = markSending(pending, 'a');
    expect(queued(pending)).toEqual([]);

    expect(settle(pending, 'a')).toEqual([]);
  });

  it('when a post fails, then it keeps its reason until a retry queues it again', () => {
    let pending = markFailed(
      markSending(enqueue([], 'a', 'hello', 1), 'a'),
      'a',
      'Too many messages',
    );
    expect(pending).toEqual([
      { key: 'a', source: 'hello', channelId: 1, state: 'failed', error: 'Too many messages' },
    ]);

    pending = retry(pending, 'a');

    expect(pending).toEqual([{ key: 'a', source: 'hello', channelId: 1, state: 'queued' }]);
  });

  it('when my message arrives though its ack was lost, then the post it stands for is settled, once', () => {
    let pending = enqueue(enqueue([], 'a', 'same', 1), 'b', 'same', 1);
    pending = markFailed(markSending(markSending(pending, 'a'), 'b'), 'a', 'Not confirmed.');

    pending = settleArrived(pending, [mine(1, 'same')], 7);

    expect(pending.map((post) => post.key)).toEqual(['b']);
  });

  it('when someone else posts the same text, or in another channel, or my post is still queued, then nothing is settled', () => {
    const pending = enqueue(markSending(enqueue([], 'a', 'hi', 1), 'a'), 'b', 'queued one', 1);

    expect(settleArrived(pending, [{ ...mine(1, 'hi'), user_id: 8 }], 7)).toEqual(pending);
    expect(settleArrived(pending, [mine(2, 'queued one')], 7)).toEqual(pending);
    expect(settleArrived(pending, [{ ...mine(3, 'hi'), channel_id: 2 }], 7)).toEqual(pending);
  });
});

describe('client ids', () => {
  it('when posts are composed, then each gets its own id, short enough for an Idempotency-Key', () => {
    const ids = Array.from({ length: 100 }, newClientId);

    expect(new Set(ids).size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
