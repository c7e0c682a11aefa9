import { HttpError, type Logger } from '@microflack/common';
import type { MessagesLimits } from './abuse-limits.js';
import { GENERAL_ID, type ChannelGate } from './channels.js';
import { mentionsIn } from './mentions.js';
import type { ChangePosition, MessageRow, MessagesRepo } from './messages-repo.js';
import { renderMessage } from './render-thread.js';

/** A message as the API shows it (docs/api.md). */
export interface Message {
  id: number;
  channel_id: number;
  user_id: number;
  source: string;
  html: string;
  created_at: number;
  updated_at: number;
  deleted: boolean;
  _links: { self: string; user: string };
}

/** The path of a message resource. */
export function messagePath(id: number): string {
  return `/api/messages/${id}`;
}

/** The API view of a stored row. */
export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    channel_id: row.channel_id,
    user_id: row.user_id,
    source: row.source,
    html: row.html,
    created_at: row.created_at,
    updated_at: row.updated_at,
    deleted: row.deleted,
    _links: { self: messagePath(row.id), user: `/api/users/${row.user_id}` },
  };
}

/** Who hears about changes: the Socket.IO emitter in production. */
export interface MessageEvents {
  updated(message: Message): void;
  deleted(id: number, channelId: number): void;
}

/** What runs after a response: link previews for a freshly written row. */
export interface AfterWrite {
  schedule(row: MessageRow): void;
}

/** The four ways to list messages (`GET /api/messages`), optionally of one author. */
export type ListQuery = {
  limit: number;
  userId?: number | undefined;
  /** #general when absent. */
  channelId?: number | undefined;
} & (
  | { kind: 'latest' }
  | { kind: 'before'; before: number }
  | { kind: 'updated_since'; since: number }
  | { kind: 'changes'; after: ChangePosition }
);

/** A listing, and the cursor to catch up from on everything it does not show (docs/api.md). */
export interface MessagePage {
  messages: Message[];
  cursor: string;
  /**
   * On a short catch-up page: true when committed changes are held back behind an older
   * transaction still running; the client asks again with the cursor in a moment.
   */
  pending?: boolean;
}

/** A post's outcome: `created` false when it was a retry that found the first message. */
export interface Posted {
  message: Message;
  created: boolean;
}

/** The text form of a change position: `<xid>.<id>`. */
export function formatCursor({ xid, id }: ChangePosition): string {
  return `${xid}.${id}`;
}

/** What the message rules need. */
export interface MessagesDeps {
  repo: MessagesRepo;
  limits: Pick<MessagesLimits, 'spend'>;
  events: MessageEvents;
  previews: AfterWrite;
  /** Who may see and post in which channel. */
  gate: Pick<ChannelGate, 'sees' | 'visible' | 'member'>;
  logger: Logger;
}

const notFound = (id: number) =>
  new HttpError(404, 'message_not_found', `There is no message ${id}.`);

/** The rules of messages: who may do what, rendering, rate limits, broadcasts. */
export class Messages {
  constructor(private readonly deps: MessagesDeps) {}

  /**
   * Posts a message for `userId`; a retry under the same idempotency `key` gets the first
   * message back (not rate limited, not broadcast again). @throws 429 over the rate limit.
   */
  async create(
    userId: number,
    source: string,
    key?: string,
    channelId = GENERAL_ID,
  ): Promise<Posted> {
    const { repo } = this.deps;
    await this.deps.gate.member(channelId, userId);
    const earlier = key === undefined ? undefined : await repo.findByKey(userId, key);
    if (earlier) return { message: toMessage(earlier), created: false };
    await this.deps.limits.spend('posts', userId);
    const row = await repo.insert(userId, source, await renderMessage(source), key, {
      channelId,
      mentions: mentionsIn(source),
    });
    if (row) return { message: this.written(row), created: true };
    // A concurrent retry under the same key inserted first; its row is committed by now.
    const winner = key === undefined ? undefined : await repo.findByKey(userId, key);
    if (!winner) throw new Error('an idempotent insert was skipped but no row holds its key');
    return { message: toMessage(winner), created: false };
  }

  /** One message, tombstones included, in a channel `viewerId` may see. @throws 404. */
  async get(id: number, viewerId?: number): Promise<Message> {
    const row = await this.deps.repo.find(id);
    if (!row || !(await this.deps.gate.sees(row.channel_id, viewerId))) throw notFound(id);
    return toMessage(row);
  }

  /**
   * A page of messages, or a catch-up (since a time, or exact: after a cursor), with the cursor
   * of the next catch-up.
   */
  async list(query: ListQuery, viewerId?: number): Promise<MessagePage> {
    const { repo } = this.deps;
    const { limit, userId, channelId = GENERAL_ID } = query;
    await this.deps.gate.visible(channelId, viewerId);
    // Taken before the read: whatever the read cannot see yet is at or after it.
    const horizon = await repo.horizon();
    const restart = formatCursor({ xid: horizon, id: 0 });
    if (query.kind === 'changes') {
      const changes = await repo.changedAfter(query.after, horizon, { limit, userId, channelId });
      const last = changes.at(-1);
      // A short page has every settled change: the next one starts at the horizon.
      const messages = changes.map(({ row }) => toMessage(row));
      if (changes.length === limit && last)
        return { messages, cursor: formatCursor(last.position) };
      const pending = await repo.heldBack(query.after, horizon, { userId, channelId });
      return { messages, cursor: restart, pending };
    }
    const rows =
      query.kind === 'updated_since'
        ? await repo.updatedSince(query.since, { limit, userId, channelId })
        : await repo.page({
            limit,
            userId,
            channelId,
            before: query.kind === 'before' ? query.before : undefined,
          });
    return { messages: rows.map(toMessage), cursor: restart };
  }

  /** Replaces the text of `userId`'s own message. @throws 429 over the edit limit, 404, 403. */
  async edit(userId: number, id: number, source: string): Promise<Message> {
    await this.deps.limits.spend('edits', userId);
    await this.authorOnly(userId, id, 'edit');
    const row = await this.deps.repo.update(
      id,
      source,
      await renderMessage(source),
      mentionsIn(source),
    );
    if (!row) throw notFound(id); // deleted meanwhile
    return this.written(row);
  }

  /**
   * Deletes `userId`'s own message, leaving a tombstone; deleting twice is fine.
   * @throws 429 over the deletion limit, 404, 403.
   */
  async remove(userId: number, id: number): Promise<void> {
    await this.deps.limits.spend('deletions', userId);
    await this.authorOnly(userId, id, 'delete');
    const row = await this.deps.repo.markDeleted(id);
    if (row) this.deps.events.deleted(row.id, row.channel_id);
  }

  private async authorOnly(userId: number, id: number, verb: string): Promise<MessageRow> {
    const row = await this.deps.repo.find(id);
    if (!row || (row.deleted && verb === 'edit')) throw notFound(id);
    // A message of a channel the author may no longer see is as gone as the channel.
    if (!(await this.deps.gate.sees(row.channel_id, userId))) throw notFound(id);
    if (row.user_id !== userId) {
      throw new HttpError(403, 'not_author', `Only its author may ${verb} a message.`);
    }
    return row;
  }

  private written(row: MessageRow): Message {
    const message = toMessage(row);
    this.deps.events.updated(message);
    this.deps.previews.schedule(row);
    return message;
  }
}
