import { mentions } from '../format/mentions.js';
import { GENERAL_ID, isInt, isObject, type Message } from './models.js';
import type { UserMap } from './users.js';

/** The kinds of channel (docs/api.md, channels). */
export type ChannelKind = 'public' | 'private' | 'direct';

/** A channel as this client knows it: the API's, with my counts and whether I am in it. */
export interface Channel {
  readonly id: number;
  /** The slug without `#`; null for a direct channel. */
  readonly name: string | null;
  readonly topic: string;
  readonly kind: ChannelKind;
  /** The members of a private or direct channel (a public one does not list them). */
  readonly member_ids: readonly number[] | undefined;
  readonly unread: number;
  readonly mentions: number;
  /**
   * Whether I am in it: the API's listing says; a broadcast does not (it goes to everyone), so
   * for a public channel heard of that way it is unknown until learnt (a refused read pointer).
   */
  readonly member: boolean | undefined;
}

/** The channels I can see, by id. */
export type ChannelMap = ReadonlyMap<number, Channel>;

const KINDS: readonly string[] = ['public', 'private', 'direct'];

const isKind = (value: unknown): value is ChannelKind =>
  typeof value === 'string' && KINDS.includes(value);

/** Whether `me` is in a channel: the API's `member` when it says, else what its kind tells. */
function memberOf(
  value: Record<string, unknown>,
  { id, kind, memberIds }: { id: number; kind: ChannelKind; memberIds: number[] | undefined },
  me: number,
): boolean | undefined {
  if (typeof value['member'] === 'boolean') return value['member'];
  if (id === GENERAL_ID) return true;
  // A broadcast's model does not say (it is the same for everyone); nor does an older server.
  if (kind === 'public') return undefined;
  return memberIds?.includes(me) ?? true;
}

/**
 * The channel in `value` (a listing's item or a broadcast's model, which has no counts), as
 * user `me` sees it; undefined when it does not have a channel's shape.
 */
export function asChannel(value: unknown, me: number): Channel | undefined {
  if (!isObject(value)) return undefined;
  const { id, name, topic, kind, member_ids, unread, mentions } = value;
  if (!isInt(id) || !isKind(kind)) return undefined;
  if (name !== null && typeof name !== 'string') return undefined;
  const memberIds = Array.isArray(member_ids) ? member_ids.filter(isInt) : undefined;
  return {
    id,
    name,
    topic: typeof topic === 'string' ? topic : '',
    kind,
    member_ids: memberIds,
    unread: isInt(unread) ? unread : 0,
    mentions: isInt(mentions) ? mentions : 0,
    member: memberOf(value, { id, kind, memberIds }, me),
  };
}

/** A fresh listing: it replaces what was known, keeping what was learnt of memberships. */
export function channelsListed(known: ChannelMap, listed: readonly Channel[]): ChannelMap {
  return new Map(
    listed.map((channel) => [
      channel.id,
      { ...channel, member: channel.member ?? known.get(channel.id)?.member },
    ]),
  );
}

/**
 * A channel created or changed (`updated_model`, or an answer of the API): kept with my counts.
 * A private or direct channel that does not list me is not mine (any more): it goes.
 */
export function channelChanged(known: ChannelMap, channel: Channel): ChannelMap {
  const next = new Map(known);
  if (channel.member === false && channel.kind !== 'public') {
    next.delete(channel.id);
    return next;
  }
  const before = known.get(channel.id);
  next.set(channel.id, {
    ...channel,
    unread: before?.unread ?? channel.unread,
    mentions: before?.mentions ?? channel.mentions,
    member: channel.member ?? before?.member,
  });
  return next;
}

/** What I learnt of my membership of channel `id`. */
export function withMembership(known: ChannelMap, id: number, member: boolean): ChannelMap {
  const channel = known.get(id);
  if (!channel || channel.member === member) return known;
  return new Map(known).set(id, { ...channel, member });
}

/** Channel `id` is read: no unread messages, no unread mentions. */
export function channelSeen(known: ChannelMap, id: number): ChannelMap {
  const channel = known.get(id);
  if (!channel || (channel.unread === 0 && channel.mentions === 0)) return known;
  return new Map(known).set(id, { ...channel, unread: 0, mentions: 0 });
}

/** Who reads: me, by id and nickname, and the channel on the screen. */
export interface Reader {
  userId: number;
  nickname: string;
  shown: number;
}

/**
 * A message heard of for the first time (created, not edited: `updated_at` is its `created_at`)
 * counts as unread in its channel, and as a mention when it names me, unless I wrote it, I am
 * looking at that channel, or it is not a channel of mine.
 */
export function countArrival(known: ChannelMap, message: Message, reader: Reader): ChannelMap {
  const channel = known.get(message.channel_id);
  if (!channel || channel.member === false || channel.id === reader.shown) return known;
  if (message.user_id === reader.userId || message.deleted) return known;
  if (message.updated_at !== message.created_at) return known;
  const mentioned = mentions(message.source, reader.nickname) ? 1 : 0;
  return new Map(known).set(channel.id, {
    ...channel,
    unread: channel.unread + 1,
    mentions: channel.mentions + mentioned,
  });
}

/** The other person of a direct channel (myself in a channel with myself). */
export function otherMember(channel: Channel, me: number): number | undefined {
  return channel.member_ids?.find((id) => id !== me) ?? channel.member_ids?.[0];
}

/** How a channel is named to me: `#name`, or the nickname of the other person of a DM. */
export function channelLabel(channel: Channel, users: UserMap, me: number): string {
  if (channel.kind !== 'direct') return `#${channel.name ?? channel.id}`;
  const other = otherMember(channel, me);
  return other === undefined ? 'Direct messages' : (users.get(other)?.nickname ?? `user ${other}`);
}

/** The sidebar's two lists: named channels (#general first, then by name) and direct ones. */
export function sidebarChannels(
  known: ChannelMap,
  users: UserMap,
  me: number,
): { named: Channel[]; direct: Channel[] } {
  const all = [...known.values()];
  const byLabel = (a: Channel, b: Channel) =>
    Number(b.id === GENERAL_ID) - Number(a.id === GENERAL_ID) ||
    channelLabel(a, users, me).localeCompare(channelLabel(b, users, me), undefined, {
      sensitivity: 'base',
    });
  return {
    named: all.filter((channel) => channel.kind !== 'direct').sort(byLabel),
    direct: all.filter((channel) => channel.kind === 'direct').sort(byLabel),
  };
}

/** The direct channel with user `other`, if I have one. */
export function directWith(known: ChannelMap, other: number, me: number): Channel | undefined {
  return [...known.values()].find(
    (channel) => channel.kind === 'direct' && otherMember(channel, me) === other,
  );
}
