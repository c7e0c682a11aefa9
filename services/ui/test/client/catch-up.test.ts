import { describe, expect, it } from 'vitest';
import { readPage, withDepartures } from '../../web/src/catch-up.js';
import type { User } from '../../web/src/state/models.js';
import { mergeUsers } from '../../web/src/state/users.js';

const user = (id: number, online: boolean): User => ({
  id,
  nickname: `u${id}`,
  online,
  updated_at: 1,
  last_seen_at: 0,
});

describe('reading pages and catching up', () => {
  it.each([
    [
      { messages: [], cursor: 'c1', pending: true },
      { messages: [], cursor: 'c1', pending: true },
    ],
    [{ messages: [] }, { messages: [], cursor: undefined, pending: false }],
    [
      { messages: [{ id: 'x' }], cursor: 7 },
      { messages: [], cursor: undefined, pending: false },
    ],
    [null, { messages: [], cursor: undefined, pending: false }],
  ])('when a page is %j, then it reads %j', (body, page) => {
    expect(readPage(body)).toEqual(page);
  });

  it('when the online list leaves out someone known online, then they went offline meanwhile', () => {
    const known = mergeUsers(new Map(), [user(1, true), user(2, true), user(3, false)]);

    const after = withDepartures(known, [user(1, true), user(4, true)]);

    expect(after.map(({ id, online }) => [id, online])).toEqual([
      [1, true],
      [4, true],
      [2, false],
    ]);
  });
});
