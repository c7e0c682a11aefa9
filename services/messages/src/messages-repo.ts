import { z } from 'zod';
import type { Pool } from '@microflack/common';

const rowSchema = z.object({
  id: z.number().int(),
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

/** How many rows a listing returns, and of which author. */
export interface PageOptions {
  limit: number;
  userId?: number | undefined;
}

// Milliseconds are floored so that `updated_since = T` (inclusive) never misses a row shown as T.
const COLUMNS = `id, user_id, source, html, deleted, revision,
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

  /** Stores a new message. */
  async insert(userId: number, source: string, html: string): Promise<MessageRow> {
    const row = await this.one(
      `INSERT INTO messages (user_id, source, html) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [userId, source, html],
    );
    if (!row) throw new Error('INSERT returned no row');
    return row;
  }

  /** One message, tombstones included. */
  find(id: number): Promise<MessageRow | undefined> {
    return this.one(`SELECT ${COLUMNS} FROM messages WHERE id = $1`, [id]);
  }

  /** The latest `limit` live messages (before `before`, of `userId` if given), oldest first. */
  async page({ limit, before, userId }: PageOptions & { before?: number }): Promise<MessageRow[]> {
    const rows = await this.rows(
      `SELECT ${COLUMNS} FROM messages
        WHERE NOT deleted AND ($2::integer IS NULL OR id < $2)
          AND ($3::integer IS NULL OR user_id = $3)
        ORDER BY id DESC LIMIT $1`,
      [limit, before ?? null, userId ?? null],
    );
    return rows.reverse();
  }

  /** Every message created, edited or deleted at or after `sinceMs`, by `updated_at`. */
  updatedSince(sinceMs: number, { limit, userId }: PageOptions): Promise<MessageRow[]> {
    return this.rows(
      `SELECT ${COLUMNS} FROM messages
        WHERE updated_at >= to_timestamp($1::float8 / 1000)
          AND ($3::integer IS NULL OR user_id = $3)
        ORDER BY updated_at, id LIMIT $2`,
      [sinceMs, limit, userId ?? null],
    );
  }

  /** Replaces a live message's text; undefined when it is gone or deleted. */
  update(id: number, source: string, html: string): Promise<MessageRow | undefined> {
    return this.one(
      `UPDATE messages
          SET source = $2, html = $3, revision = revision + 1, updated_at = clock_timestamp()
        WHERE id = $1 AND NOT deleted RETURNING ${COLUMNS}`,
      [id, source, html],
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
