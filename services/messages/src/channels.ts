import { HttpError } from '@microflack/common';
import type { ChannelAccess, ChannelRow, ChannelsRepo, Viewer } from './channels-repo.js';

/** #general: the migration made it channel 1, and every user is in it. */
export const GENERAL_ID = 1;

/** A channel as broadcast to everyone: no one's counts. */
export interface ChannelModel {
  id: number;
  /** The slug without `#`; null for a direct channel. */
  name: string | null;
  topic: string;
  kind: 'public' | 'private' | 'direct';
  /** The members of a private or direct channel. */
  member_ids?: number[];
  created_at: number;
  updated_at: number;
  _links: { self: string; messages: string };
}

/** A channel as the API shows it to one user (docs/api.md, channels). */
export interface Channel extends ChannelModel {
  /** Messages after my read pointer, not mine, not deleted (0 when I am not a member). */
  unread: number;
  /** Those of them that mention my nickname. */
  mentions: number;
}

/** Who hears about channel changes: the Socket.IO emitter in production. */
export interface ChannelEvents {
  updated(channel: ChannelModel): void;
}

/** The path of a channel resource. */
export function channelPath(id: number): string {
  return `/api/channels/${id}`;
}

function toModel(row: ChannelRow): ChannelModel {
  return {
    id: row.id,
    name: row.name,
    topic: row.topic,
    kind: row.kind,
    ...(row.member_ids === null ? {} : { member_ids: row.member_ids }),
    created_at: row.created_at,
    updated_at: row.updated_at,
    _links: { self: channelPath(row.id), messages: `/api/messages?channel_id=${row.id}` },
  };
}

/** The API view of a stored channel, with the viewer's counts. */
export function toChannel(row: ChannelRow): Channel {
  return { ...toModel(row), unread: row.unread, mentions: row.mentions };
}

const notFound = (id: number) =>
  new HttpError(404, 'channel_not_found', `There is no channel ${id}.`);

/** Private channels and direct channels exist only for their members. */
function visible(access: ChannelAccess | undefined): access is ChannelAccess {
  return access !== undefined && (access.kind === 'public' || access.member);
}

/** Who may see a channel and post in it; what the message rules ask. */
export class ChannelGate {
  constructor(private readonly repo: ChannelsRepo) {}

  /** Whether `userId` (none: anonymous) may see channel `id` and its messages. */
  async sees(id: number, userId: number | undefined): Promise<boolean> {
    return visible(await this.repo.access(id, userId));
  }

  /** The channel, when `userId` (none: anonymous) may see it. @throws 404. */
  async visible(id: number, userId: number | undefined): Promise<ChannelAccess> {
    const access = await this.repo.access(id, userId);
    if (!visible(access)) throw notFound(id);
    return access;
  }

  /** The channel, when `userId` is in it. @throws 404 (invisible), 403 (public, not a member). */
  async member(id: number, userId: number): Promise<ChannelAccess> {
    const access = await this.visible(id, userId);
    if (!access.member) {
      throw new HttpError(403, 'not_a_member', `Join channel ${id} first.`);
    }
    return access;
  }
}

/** What the channel rules need. */
export interface ChannelsDeps {
  repo: ChannelsRepo;
  gate: ChannelGate;
  events: ChannelEvents;
}

/** A new named channel. */
export interface NewChannel {
  name: string;
  topic: string;
  private: boolean;
}

/** The rules of channels: visibility, membership, names, read pointers, broadcasts. */
export class Channels {
  constructor(private readonly deps: ChannelsDeps) {}

  /** The channels `viewer` can see, with their counts. */
  async list(viewer: Viewer): Promise<Channel[]> {
    return (await this.deps.repo.visibleTo(viewer)).map(toChannel);
  }

  /** One channel `viewer` can see. @throws 404. */
  async get(id: number, viewer: Viewer): Promise<Channel> {
    const row = await this.deps.repo.view(id, viewer);
    if (!visible(row)) throw notFound(id);
    return toChannel(row);
  }

  /** Creates a named channel; its creator is its first member. @throws 409 name taken. */
  async create(userId: number, channel: NewChannel): Promise<Channel> {
    const kind = channel.private ? 'private' : 'public';
    const id = await this.deps.repo.create(userId, { ...channel, kind });
    if (id === undefined) throw nameTaken(channel.name);
    return this.changed(id, { userId });
  }

  /** Renames a channel or sets its topic, as one of its members. @throws 404, 403, 400, 409. */
  async update(
    userId: number,
    id: number,
    change: { name?: string | undefined; topic?: string | undefined },
  ): Promise<Channel> {
    const access = await this.deps.gate.member(id, userId);
    if (change.name !== undefined && (access.everyone || access.kind === 'direct')) {
      throw new HttpError(400, 'name_fixed', 'This channel cannot be renamed.');
    }
    if (!(await this.deps.repo.update(id, change))) throw nameTaken(change.name ?? '');
    return this.changed(id, { userId });
  }

  /** Joins a public channel (or one I am in already). @throws 404. */
  async join(userId: number, id: number): Promise<void> {
    const access = await this.deps.gate.visible(id, userId);
    if (access.everyone || access.member) return;
    if (await this.deps.repo.join(id, userId)) await this.changed(id, { userId });
  }

  /** Leaves a channel; leaving one I am not in is fine. @throws 404, 409 #general or direct. */
  async leave(userId: number, id: number): Promise<void> {
    const access = await this.deps.gate.visible(id, userId);
    if (access.everyone || access.kind === 'direct') {
      throw new HttpError(409, 'cannot_leave', 'Nobody leaves #general or a direct channel.');
    }
    if (await this.deps.repo.leave(id, userId)) await this.changed(id, { userId });
  }

  /** Adds `otherId` to a channel I am in. @throws 404, 403, 400 direct channel. */
  async add(userId: number, id: number, otherId: number): Promise<void> {
    const access = await this.deps.gate.member(id, userId);
    if (access.kind === 'direct') {
      throw new HttpError(400, 'direct_channel', 'A direct channel has exactly its two users.');
    }
    if (access.everyone) return;
    if (await this.deps.repo.join(id, otherId)) await this.changed(id, { userId });
  }

  /** The direct channel of `userId` and `otherId`, found or made. @throws 400 with oneself. */
  async direct(userId: number, otherId: number): Promise<{ channel: Channel; created: boolean }> {
    if (userId === otherId) {
      throw new HttpError(400, 'direct_with_self', 'A direct channel needs another user.');
    }
    const [low, high] = userId < otherId ? [userId, otherId] : [otherId, userId];
    const { id, created } = await this.deps.repo.direct(low, high, userId);
    const viewer = { userId };
    const channel = created ? await this.changed(id, viewer) : await this.get(id, viewer);
    return { channel, created };
  }

  /** Moves my read pointer forward to `messageId`. @throws 404 channel or message, 403. */
  async markRead(userId: number, id: number, messageId: number): Promise<void> {
    await this.deps.gate.member(id, userId);
    if (!(await this.deps.repo.markRead(id, userId, messageId))) {
      throw new HttpError(
        404,
        'message_not_found',
        `There is no message ${messageId} in channel ${id}.`,
      );
    }
  }

  private async changed(id: number, viewer: Viewer): Promise<Channel> {
    const row = await this.deps.repo.view(id, viewer);
    if (!row) throw notFound(id);
    this.deps.events.updated(toModel(row));
    return toChannel(row);
  }
}

function nameTaken(name: string): HttpError {
  return new HttpError(409, 'name_taken', `The channel name "${name}" is taken.`);
}
