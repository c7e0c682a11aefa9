import { z } from 'zod';
import type { Pool } from '@microflack/common';

const rowSchema = z.object({
  id: z.number().int(),
  channel_id: z.number().int(),
  user_id: z.number().int(),
  source: z.string(),
  html: z.string(),
  deleted: z.boolean(),
  revision: z.number().int(),
  created_at: z.number(),
  updated_at: z.number(),
});

/** A stored message; timestamps in Unix milliseconds. */
export type MessageRow = z.infer<typeof rowSchema>;

/**
 * A place in the commit order of changes: after the change of row `id` made by transaction
 * `xid` (a decimal `xid8`). `{xid: H, id: 0}` is "every change of transaction H or later".
 */
export interface ChangePosition {
  xid: string;
  id: number;
}

const positionSchema = z.object({ changed_xid: z.string(), id: z.number().int() });
const horizonSchema = z.object({ horizon: z.string() });

/** How many rows a listing returns, of which channel, and of which author. */
export interface PageOptions {
  limit: number;
  channelId: number;
  userId?: number | undefined;
}

/** Where a new message goes, and whom it mentions (lower-cased nicknames). */
export interface Placement {
  channelId: number;
  mentions: string[];
}

// Milliseconds are floored so that `updated_since = T` (inclusive) never misses a row shown as T.
const COLUMNS = `id, channel_id, user_id, source, html, deleted, revision,
  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_at,
  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_at`;

/** The SQL of the messages table. */
export class MessagesRepo {
  constructor(private readonly pool: Pool) {}

  private async rows(sql: string, values: unknown[]): Promise<MessageRow[]> {
    const result = await this.pool.query(sql, values);
    return z.array(rowSchema).parse(result.rows);
  }

  private async one(sql: string, values: unknown[]): Promise<MessageRow | undefined> {
    return (await this.rows(sql, values))[0];
  }

  /**
   * Stores a new message; undefined when `userId` already has one under `key` (a concurrent
   * retry won: the unique index makes this insert wait for it, then skip).
   */
  insert(
    userId: number,
    source: string,
    html: string,
    key: string | undefined,
    { channelId, mentions }: Placement,
  ): Promise<MessageRow | undefined> {
    return this.one(
      `INSERT INTO messages (user_id, source, html, idempotency_key, channel_id, mentions)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS}`,
      [userId, source, html, key ?? null, channelId, mentions],
    );
  }

  /** The message `userId` posted under idempotency `key`, tombstone included. */
  findByKey(userId: number, key: string): Promise<MessageRow | undefined> {
    return this.one(`SELECT ${COLUMNS} FROM messages WHERE user_id = $1 AND idempotency_key = $2`, [
      userId,
      key,
    ]);
  }

  /**
   * The oldest transaction still running (or the next one, when none is): every change by an
   * older transaction is settled, committed or rolled back, and every later one will be at or
   * after it. Taken before a read, it is where a catch-up after that read starts.
   */
  async horizon(): Promise<string> {
    const result = await this.pool.query(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon',
    );
    return horizonSchema.parse(result.rows[0]).horizon;
  }

  /**
   * The settled changes after `position` (transaction older than `horizon`), in commit order
   * of their transactions, each with its own position.
   */
  async changedAfter(
    position: ChangePosition,
    horizon: string,
    { limit, channelId, userId }: PageOptions,
  ): Promise<{ row: MessageRow; position: ChangePosition }[]> {
    const result = await this.pool.query(
      `SELECT ${COLUMNS}, changed_xid::text AS changed_xid FROM messages
        WHERE (changed_xid, id) > ($1::xid8, $2::integer) AND changed_xid < $3::xid8
          AND ($5::integer IS NULL OR user_id = $5) AND channel_id = $6
        ORDER BY changed_xid, id LIMIT $4`,
      [position.xid, position.id, horizon, limit, userId ?? null, channelId],
    );
    return result.rows.map((raw: unknown) => {
      const { changed_xid, id } = positionSchema.parse(raw);
      return { row: rowSchema.parse(raw), position: { xid: changed_xid, id } };
    });
  }

  /**
   * Whether a committed change waits at or after `horizon` (after `position`): its transaction
   * ended, but an older one still runs, so a catch-up holds it back until that one ends.
   */
  async heldBack(
    position: ChangePosition,
    horizon: string,
    { channelId, userId }: Omit<PageOptions, 'limit'>,
  ): Promise<boolean> {
    const result = await this.pool.query(
      `SELECT EXISTS (SELECT 1 FROM messages
        WHERE (changed_xid, id) > ($1::xid8, $2::integer) AND changed_xid >= $3::xid8
          AND ($4::integer IS NULL OR user_id = $4) AND channel_id = $5) AS held`,
      [position.xid, position.id, horizon, userId ?? null, channelId],
    );
    return z.object({ held: z.boolean() }).parse(result.rows[0]).held;
  }

  /** One message, tombstones included. */
  find(id: number): Promise<MessageRow | undefined> {
    return this.one(`SELECT ${COLUMNS} FROM messages WHERE id = $1`, [id]);
  }

  /** The latest `limit` live messages (before `before`, of `userId` if given), oldest first. */
  async page({
    limit,
    before,
    channelId,
    userId,
  }: PageOptions & { before?: number | undefined }): Promise<MessageRow[]> {
    const rows = await this.rows(
      `SELECT ${COLUMNS} FROM messages
        WHERE NOT deleted AND ($2::integer IS NULL OR id < $2)
          AND ($3::integer IS NULL OR user_id = $3) AND channel_id = $4
        ORDER BY id DESC LIMIT $1`,
      [limit, before ?? null, userId ?? null, channelId],
    );
    return rows.reverse();
  }

  /** Every message created, edited or deleted at or after `sinceMs`, by `updated_at`. */
  updatedSince(sinceMs: number, { limit, channelId, userId }: PageOptions): Promise<MessageRow[]> {
    return this.rows(
      `SELECT ${COLUMNS} FROM messages
        WHERE updated_at >= to_timestamp($1::float8 / 1000)
          AND ($3::integer IS NULL OR user_id = $3) AND channel_id = $4
        ORDER BY updated_at, id LIMIT $2`,
      [sinceMs, limit, userId ?? null, channelId],
    );
  }

  /** Replaces a live message's text; undefined when it is gone or deleted. */
  update(
    id: number,
    source: string,
    html: string,
    mentions: string[],
  ): Promise<MessageRow | undefined> {
    return this.one(
      `UPDATE messages
          SET source = $2, html = $3, mentions = $4, revision = revision + 1,
              updated_at = clock_timestamp()
        WHERE id = $1 AND NOT deleted RETURNING ${COLUMNS}`,
      [id, source, html, mentions],
    );
  }

  /** Turns a live message into a tombstone; undefined when it was not live. */
  markDeleted(id: number): Promise<MessageRow | undefined> {
    return this.one(
      `UPDATE messages
          SET deleted = true, source = '', html = '', revision = revision + 1,
              updated_at = clock_timestamp()
        WHERE id = $1 AND NOT deleted RETURNING ${COLUMNS}`,
      [id],
    );
  }

  /** Saves HTML with previews, only if the text is still the one they were made for. */
  savePreview(id: number, revision: number, html: string): Promise<MessageRow | undefined> {
    return this.one(
      `UPDATE messages SET html = $3, updated_at = clock_timestamp()
        WHERE id = $1 AND revision = $2 AND NOT deleted RETURNING ${COLUMNS}`,
      [id, revision, html],
    );
  }
}
