import { describe, expect, it } from 'vitest';
import { nickColour, NICK_COLOURS } from '../../web/src/format/colour.js';
import type { User } from '../../web/src/state/models.js';
import { activeTypers, noteTyping, stopTyping, typingLine } from '../../web/src/state/typing.js';
import { mergeUsers, onlineUsers, unknownUsers } from '../../web/src/state/users.js';

const user = (id: number, nickname: string, online: boolean, updated_at = 1): User => ({
  id,
  nickname,
  online,
  updated_at,
  last_seen_at: 0,
});

describe('the people online', () => {
  it('when users change, then the newest version of each counts and the list is me first, then by name', () => {
    let users = mergeUsers(new Map(), [
      user(1, 'zoe', true),
      user(2, 'Bob', true),
      user(3, 'ann', true),
      user(4, 'cat', false),
    ]);
    users = mergeUsers(users, [user(2, 'Bob', false, 5), user(2, 'Bob', true, 3)]);

    expect(onlineUsers(users, 1).map((u) => u.nickname)).toEqual(['zoe', 'ann']);
    expect(onlineUsers(users, 4).map((u) => u.nickname)).toEqual(['cat', 'ann', 'zoe']);
    expect(unknownUsers(users, [1, 9, 9, 10])).toEqual([9, 10]);
  });

  it('when a nickname is coloured, then the colour is stable, ignores case, and is in the palette', () => {
    expect(nickColour('ann')).toBe(nickColour('ANN'));
    expect(nickColour('ann')).toBe(nickColour('ann'));
    const colours = new Set(
      ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'].map(nickColour),
    );
    expect(colours.size).toBeGreaterThan(3);
    for (const colour of colours) expect(colour).toBeLessThan(NICK_COLOURS);
  });
});

describe('who is typing', () => {
  it('when notices come and go, then each person shows once, until their notice runs out or they post', () => {
    let typers = noteTyping([], { user_id: 1, nickname: 'ann', channel_id: 1 }, 0);
    typers = noteTyping(typers, { user_id: 2, nickname: 'bob', channel_id: 1 }, 1000);
    typers = noteTyping(typers, { user_id: 1, nickname: 'ann', channel_id: 1 }, 2000);

    expect(activeTypers(typers, 3000).map((t) => t.nickname)).toEqual(['bob', 'ann']);
    expect(activeTypers(typers, 5500).map((t) => t.nickname)).toEqual(['ann']);
    expect(stopTyping(typers, 1).map((t) => t.nickname)).toEqual(['bob']);
  });

  it('when people type in two channels, then each channel shows its own', () => {
    let typers = noteTyping([], { user_id: 1, nickname: 'ann', channel_id: 1 }, 0);
    typers = noteTyping(typers, { user_id: 2, nickname: 'bob', channel_id: 5 }, 0);

    expect(activeTypers(typers, 1000, 1).map((t) => t.nickname)).toEqual(['ann']);
    expect(activeTypers(typers, 1000, 5).map((t) => t.nickname)).toEqual(['bob']);
    expect(activeTypers(typers, 1000, 9)).toEqual([]);
  });

  it.each([
    [[], ''],
    [['ann'], 'ann is typing…'],
    [['ann', 'bob'], 'ann and bob are typing…'],
    [['ann', 'bob', 'cat'], 'ann, bob and cat are typing…'],
    [['ann', 'bob', 'cat', 'dan'], 'ann, bob and 2 others are typing…'],
  ])('when %j type, then the line reads %j', (names, line) => {
    expect(typingLine(names)).toBe(line);
  });
});
