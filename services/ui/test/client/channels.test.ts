import { describe, expect, it } from 'vitest';
import { mentionPieces, mentions } from '../../web/src/format/mentions.js';
import { channelInPath, pathOf } from '../../web/src/route.js';
import {
  asChannel,
  channelChanged,
  channelLabel,
  channelSeen,
  channelsListed,
  countArrival,
  sidebarChannels,
  withMembership,
  type Channel,
  type ChannelMap,
} from '../../web/src/state/channels.js';
import type { Message } from '../../web/src/state/models.js';
import { mergeUsers } from '../../web/src/state/users.js';

const ME = 7;

function listed(values: unknown[]): ChannelMap {
  return channelsListed(
    new Map(),
    values.flatMap((value) => asChannel(value, ME) ?? []),
  );
}

function parsed(value: unknown): Channel {
  const channel = asChannel(value, ME);
  if (!channel) throw new Error(`not a channel: ${JSON.stringify(value)}`);
  return channel;
}

const general = { id: 1, name: 'general', topic: '', kind: 'public', unread: 0, mentions: 0 };
const design = { id: 5, name: 'design', topic: '', kind: 'private', member_ids: [3, ME] };
const lobby = { id: 6, name: 'lobby', topic: '', kind: 'public', unread: 2, mentions: 1 };
const dm = { id: 9, name: null, topic: '', kind: 'direct', member_ids: [ME, 3] };

function message(channelId: number, overrides: Partial<Message> = {}): Message {
  return {
    id: 100,
    channel_id: channelId,
    user_id: 3,
    source: 'hello',
    html: '<p>hello</p>',
    created_at: 1000,
    updated_at: 1000,
    deleted: false,
    ...overrides,
  };
}

const reader = { userId: ME, nickname: 'Me', shown: 1 };
const counts = (map: ChannelMap, id: number) => {
  const channel = map.get(id);
  return [channel?.unread, channel?.mentions];
};

describe('channels', () => {
  it('when the list comes, then #general, private and direct channels are mine, public ones unknown', () => {
    const map = listed([general, design, lobby, dm, { id: 'x' }, { ...lobby, kind: 'odd' }]);

    expect([...map.values()].map((channel) => [channel.id, channel.member])).toEqual([
      [1, true],
      [5, true],
      [6, undefined],
      [9, true],
    ]);
  });

  it('when a message arrives in a channel not shown, then it counts as unread, and as a mention when it names me', () => {
    let map = listed([general, design, lobby]);

    map = countArrival(map, message(5), reader);
    map = countArrival(map, message(5, { source: 'hi @me.' }), reader);

    expect(counts(map, 5)).toEqual([2, 1]);
  });

  it.each([
    ['shown', message(1)],
    ['mine', message(5, { user_id: ME })],
    ['an edit or a preview', message(5, { updated_at: 2000 })],
    ['deleted', message(5, { deleted: true })],
    ['of a channel not mine', message(42)],
  ])('when a message is %s, then nothing is counted', (_what, arrived) => {
    const map = listed([general, design]);

    expect(countArrival(map, arrived, reader)).toBe(map);
  });

  it('when I read a channel, then its counts go; a public one I am not in counts nothing', () => {
    let map = listed([general, lobby]);
    map = channelSeen(map, 6);
    expect(counts(map, 6)).toEqual([0, 0]);

    map = withMembership(map, 6, false);
    expect(countArrival(map, message(6), reader)).toBe(map);
  });

  it('when a channel changes, then my counts stay; a private one that no longer lists me goes', () => {
    let map = listed([general, lobby, design]);
    map = withMembership(map, 6, true);

    map = channelChanged(map, parsed({ ...lobby, topic: 'new', unread: 0 }));
    map = channelChanged(map, parsed({ ...design, member_ids: [3] }));

    expect(map.get(6)).toMatchObject({ topic: 'new', unread: 2, member: true });
    expect(map.has(5)).toBe(false);
  });

  it('when the API says I am not in a public channel, then it stays, as one I may join', () => {
    const map = channelChanged(listed([general]), parsed({ ...lobby, member: false }));

    expect(map.get(6)?.member).toBe(false);
  });

  it('when a new listing comes, then what I learnt of public memberships stays', () => {
    const map = withMembership(listed([general, lobby]), 6, true);

    expect(channelsListed(map, [parsed(lobby)]).get(6)?.member).toBe(true);
  });

  it('when the sidebar lists channels, then #general leads the named ones and DMs carry the other nickname', () => {
    const users = mergeUsers(new Map(), [
      { id: 3, nickname: 'bob', online: true, updated_at: 1, last_seen_at: 0 },
    ]);
    const map = listed([lobby, design, general, dm]);

    const { named, direct } = sidebarChannels(map, users, ME);

    expect(named.map((channel) => channelLabel(channel, users, ME))).toEqual([
      '#general',
      '#design',
      '#lobby',
    ]);
    expect(direct.map((channel) => channelLabel(channel, users, ME))).toEqual(['bob']);
  });
});

describe('mentions', () => {
  it.each([
    ['hi @ann', true],
    ['hi @ANN.', true],
    ['mail ann@example.com', false],
    ['hi @anna', false],
    ['x@ann', false],
  ])('when the text is %j, then it mentions ann: %s', (text, expected) => {
    expect(mentions(text, 'ann')).toBe(expected);
  });

  it('when text holds mentions, then it is cut into plain pieces and mentions', () => {
    expect(mentionPieces('hi @ann and @bob.')).toEqual([
      { text: 'hi ' },
      { text: '@ann', nickname: 'ann' },
      { text: ' and ' },
      { text: '@bob', nickname: 'bob' },
      { text: '.' },
    ]);
  });
});

describe('the address of a channel', () => {
  it.each([
    ['/', 1],
    ['/c/12', 12],
    ['/c/12/', 12],
    ['/c/0', 1],
    ['/c/abc', 1],
    ['/elsewhere', 1],
  ])('when the path is %j, then the channel is %i', (path, id) => {
    expect(channelInPath(path)).toBe(id);
  });

  it('when a channel is opened, then its path leads back to it', () => {
    expect(channelInPath(pathOf(42))).toBe(42);
  });
});
