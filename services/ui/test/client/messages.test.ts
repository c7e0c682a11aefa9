import { describe, expect, it } from 'vitest';
import {
  addLatestPage,
  addOlderPage,
  catchUpQuery,
  EMPTY_LIST,
  inOrder,
  isEdited,
  lastEditable,
  markDeleted,
  mergeMessages,
  withCursor,
  type MessageList,
} from '../../web/src/state/messages.js';
import type { Message } from '../../web/src/state/models.js';

function message(id: number, overrides: Partial<Message> = {}): Message {
  return {
    id,
    channel_id: 1,
    user_id: 1,
    source: `message ${id}`,
    html: `<p>message ${id}</p>`,
    created_at: id * 1000,
    updated_at: id * 1000,
    deleted: false,
    ...overrides,
  };
}

const ids = (list: MessageList) => inOrder(list).map((m) => m.id);

describe('the message list', () => {
  it('when the latest page is full, then the window starts at its first message', () => {
    const list = addLatestPage(EMPTY_LIST, [message(11), message(12), message(13)], 3);

    expect(ids(list)).toEqual([11, 12, 13]);
    expect(list).toMatchObject({ oldestId: 11, complete: false, loaded: true, since: 13_000 });
  });

  it('when the latest page is short, then the whole history is there', () => {
    const list = addLatestPage(EMPTY_LIST, [message(1), message(2)], 50);

    expect(list.complete).toBe(true);
  });

  it('when a message is heard twice (event and catch-up), then it is kept once', () => {
    let list = addLatestPage(EMPTY_LIST, [message(1)], 50);
    list = mergeMessages(list, [message(2)]);
    list = mergeMessages(list, [message(2), message(3)]);

    expect(ids(list)).toEqual([1, 2, 3]);
  });

  it('when an older version arrives after a newer one, then the newer stays', () => {
    let list = addLatestPage(EMPTY_LIST, [message(1)], 50);
    list = mergeMessages(list, [message(1, { source: 'new', updated_at: 5000 })]);
    list = mergeMessages(list, [message(1, { source: 'old', updated_at: 2000 })]);

    expect(list.byId.get(1)?.source).toBe('new');
    expect(list.since).toBe(5000);
  });

  it('when the source changes under our eyes, then the message is marked edited', () => {
    let list = addLatestPage(EMPTY_LIST, [message(1)], 50);
    list = mergeMessages(list, [message(1, { source: 'changed', updated_at: 1500 })]);
    list = mergeMessages(list, [
      message(1, {
        source: 'changed',
        html: '<p>changed</p><blockquote>p</blockquote>',
        updated_at: 1600,
      }),
    ]);

    expect(isEdited(list.byId.get(1) ?? message(0))).toBe(true);
  });

  it.each([
    [
      'a preview landed a second later',
      { updated_at: 2000, html: '<p>x</p><blockquote><p>t</p></blockquote>' },
      false,
    ],
    ['it changed a minute later, no preview', { updated_at: 61_000 }, true],
    ['it never changed', {}, false],
    ['it was deleted', { updated_at: 61_000, deleted: true }, false],
  ] as const)('when %s, then "edited" is %s', (_, overrides, edited) => {
    expect(isEdited(message(1, overrides))).toBe(edited);
  });

  it('when a message is deleted, then it becomes a tombstone that a late edit cannot revive', () => {
    let list = addLatestPage(EMPTY_LIST, [message(1)], 50);
    list = markDeleted(list, 1);
    list = mergeMessages(list, [message(1, { source: 'late preview', updated_at: 9000 })]);

    expect(list.byId.get(1)).toMatchObject({ deleted: true, source: '', html: '' });
  });

  it('when a deleted message is unknown, then nothing is added', () => {
    const list = addLatestPage(EMPTY_LIST, [message(5)], 1);

    expect(markDeleted(list, 3)).toBe(list);
  });

  it('when a catch-up brings an edit of a message older than the window, then it waits for its page', () => {
    let list = addLatestPage(EMPTY_LIST, [message(10), message(11)], 2);
    list = mergeMessages(list, [message(3, { updated_at: 20_000 }), message(12)]);

    expect(ids(list)).toEqual([10, 11, 12]);
    expect(list.since).toBe(20_000);
  });

  it('when events arrive before the first page, then the page keeps them and drops none of its own', () => {
    let list = mergeMessages(EMPTY_LIST, [message(13)]);
    list = addLatestPage(list, [message(11), message(12)], 2);

    expect(ids(list)).toEqual([11, 12, 13]);
  });

  it('when older pages come in, then the window widens until the beginning', () => {
    let list = addLatestPage(EMPTY_LIST, [message(5), message(6)], 2);
    list = addOlderPage(list, [message(3), message(4)], 2);
    expect(list).toMatchObject({ oldestId: 3, complete: false });

    list = addOlderPage(list, [message(1)], 2);

    expect(ids(list)).toEqual([1, 3, 4, 5, 6]);
    expect(list.complete).toBe(true);
  });

  it('when Up asks for my last message, then it is my newest one not deleted', () => {
    let list = addLatestPage(EMPTY_LIST, [message(1), message(2), message(3, { user_id: 2 })], 50);
    list = markDeleted(mergeMessages(list, [message(4)]), 4);

    expect(lastEditable(list, 1)?.id).toBe(2);
    expect(lastEditable(list, 3)).toBeUndefined();
  });
});

describe('the catch-up cursor', () => {
  it('when no listing brought a cursor yet, then the catch-up asks by updated_since alone', () => {
    const list = mergeMessages(EMPTY_LIST, [message(4)]);

    expect(catchUpQuery(list, 500)).toBe('updated_since=4000&limit=500');
  });

  it('when a listing brought a cursor, then the catch-up sends it along with updated_since (for older instances)', () => {
    const list = withCursor(mergeMessages(EMPTY_LIST, [message(4)]), '812.0');

    expect(catchUpQuery(list, 500)).toBe('updated_since=4000&cursor=812.0&limit=500');
  });

  it('when a listing comes without a cursor (an older instance), then the last cursor stays', () => {
    const list = withCursor(withCursor(EMPTY_LIST, '812.0'), undefined);

    expect(list.cursor).toBe('812.0');
    expect(withCursor(list, '900.17').cursor).toBe('900.17');
  });
});
