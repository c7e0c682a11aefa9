import { z } from 'zod';
import type { Pool } from '@microflack/common';

/** Who may see a channel, and whether a user is in it. */
const accessSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['public', 'private', 'direct']),
  everyone: z.boolean(),
  member: z.boolean(),
});

/** A channel as one user sees it: membership and that user's counts. */
export type ChannelAccess = z.infer<typeof accessSchema>;

const rowSchema = accessSchema.extend({
  name: z.string().nullable(),
  topic: z.string(),
  member_ids: z.array(z.number().int()).nullable(),
  unread: z.number().int(),
  mentions: z.number().int(),
  created_at: z.number(),
  updated_at: z.number(),
});

/** A stored channel as one user sees it; timestamps in Unix milliseconds. */
export type ChannelRow = z.infer<typeof rowSchema>;

/** The kind of a named channel. */
export type NamedKind = 'public' | 'private';

/** Who is looking: a user id and, for mention counts, their nickname (lower-cased). */
export interface Viewer {
  userId: number;
  nickname?: string | undefined;
}

// Members are `everyone` in #general, else those with a row; only members have unread counts.
// Own messages are never unread. `$1` is the viewer's id, `$2` their lower-cased nickname.
const VIEW = `SELECT c.id, c.name, c.topic, c.kind, c.everyone,
    (c.everyone OR m.user_id IS NOT NULL) AS member,
    CASE WHEN c.kind <> 'public' THEN coalesce(
      (SELECT array_agg(o.user_id ORDER BY o.user_id) FROM memberships o WHERE o.channel_id = c.id),
      '{}') END AS member_ids,
    CASE WHEN c.everyone OR m.user_id IS NOT NULL THEN (SELECT count(*) FROM messages x
      WHERE x.channel_id = c.id AND x.id > coalesce(m.last_read_id, 0) AND NOT x.deleted
        AND x.user_id <> $1) ELSE 0 END::int AS unread,
    CASE WHEN (c.everyone OR m.user_id IS NOT NULL) AND $2::text IS NOT NULL THEN
      (SELECT count(*) FROM messages x
        WHERE x.channel_id = c.id AND x.id > coalesce(m.last_read_id, 0) AND NOT x.deleted
          AND x.user_id <> $1 AND $2::text = ANY (x.mentions)) ELSE 0 END::int AS mentions,
    floor(extract(epoch FROM c.created_at) * 1000)::float8 AS created_at,
    floor(extract(epoch FROM c.updated_at) * 1000)::float8 AS updated_at
  FROM channels c LEFT JOIN memberships m ON m.channel_id = c.id AND m.user_id = $1`;

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === UNIQUE_VIOLATION
  );
}

/** The SQL of channels and memberships. */
export class ChannelsRepo {
  constructor(private readonly pool: Pool) {}

  private async rows(sql: string, values: unknown[]): Promise<ChannelRow[]> {
    const result = await this.pool.query(sql, values);
    return z.array(rowSchema).parse(result.rows);
  }

  /** The channels `viewer` can see (public ones and theirs), in creation order. */
  visibleTo({ userId, nickname }: Viewer): Promise<ChannelRow[]> {
    return this.rows(`${VIEW} WHERE c.kind = 'public' OR m.user_id IS NOT NULL ORDER BY c.id`, [
      userId,
      nickname ?? null,
    ]);
  }

  /** One channel as `viewer` sees it, visible or not. */
  async view(id: number, { userId, nickname }: Viewer): Promise<ChannelRow | undefined> {
    return (await this.rows(`${VIEW} WHERE c.id = $3`, [userId, nickname ?? null, id]))[0];
  }

  /** A channel's kind and whether `userId` (none: anonymous) is in it. */
  async access(id: number, userId: number | undefined): Promise<ChannelAccess | undefined> {
    const result = await this.pool.query(
      `SELECT c.id, c.kind, c.everyone, (c.everyone OR m.user_id IS NOT NULL) AS member
         FROM channels c LEFT JOIN memberships m ON m.channel_id = c.id AND m.user_id = $2
        WHERE c.id = $1`,
      [id, userId ?? null],
    );
    return z.array(accessSchema).parse(result.rows)[0];
  }

  /** Creates a named channel with its creator as member; undefined when the name is taken. */
  async create(
    creatorId: number,
    { name, topic, kind }: { name: string; topic: string; kind: NamedKind },
  ): Promise<number | undefined> {
    const result = await this.pool.query(
      `WITH made AS (
         INSERT INTO channels (name, topic, kind, creator_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (lower(name)) WHERE name IS NOT NULL DO NOTHING RETURNING id
       ), joined AS (INSERT INTO memberships (channel_id, user_id) SELECT id, $4 FROM made)
       SELECT id FROM made`,
      [name, topic, kind, creatorId],
    );
    return z.array(z.object({ id: z.number().int() })).parse(result.rows)[0]?.id;
  }

  /**
   * The direct channel of two users (`low` < `high`), made with both as members when there is
   * none; concurrent calls settle on the pair's unique index and find the same channel.
   */
  async direct(
    low: number,
    high: number,
    creatorId: number,
  ): Promise<{ id: number; created: boolean }> {
    const made = await this.pool.query(
      `WITH made AS (
         INSERT INTO channels (kind, creator_id, direct_low, direct_high)
           VALUES ('direct', $3, $1, $2)
           ON CONFLICT (direct_low, direct_high) WHERE kind = 'direct' DO NOTHING RETURNING id
       ), joined AS (
         INSERT INTO memberships (channel_id, user_id)
           SELECT id, unnest(ARRAY[$1::integer, $2::integer]) FROM made
       ) SELECT id FROM made`,
      [low, high, creatorId],
    );
    const created = z.array(z.object({ id: z.number().int() })).parse(made.rows)[0];
    if (created) return { id: created.id, created: true };
    // The winner's insert is committed by now: the unique index made this one wait for it.
    const found = await this.pool.query(
      `SELECT id FROM channels WHERE kind = 'direct' AND direct_low = $1 AND direct_high = $2`,
      [low, high],
    );
    const { id } = z.object({ id: z.number().int() }).parse(found.rows[0]);
    return { id, created: false };
  }

  /** Renames a channel and/or sets its topic; false when the new name is taken. */
  async update(
    id: number,
    change: { name?: string | undefined; topic?: string | undefined },
  ): Promise<boolean> {
    try {
      await this.pool.query(
        `UPDATE channels SET name = coalesce($2, name), topic = coalesce($3, topic),
                updated_at = clock_timestamp()
          WHERE id = $1`,
        [id, change.name ?? null, change.topic ?? null],
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Makes `userId` a member (nothing when already one); true when they were not. */
  async join(id: number, userId: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO memberships (channel_id, user_id) VALUES ($1, $2)
         ON CONFLICT (channel_id, user_id) DO NOTHING`,
      [id, userId],
    );
    return result.rowCount === 1;
  }

  /** Ends `userId`'s membership; true when they were a member. */
  async leave(id: number, userId: number): Promise<boolean> {
    const result = await this.pool.query(
      'DELETE FROM memberships WHERE channel_id = $1 AND user_id = $2',
      [id, userId],
    );
    return result.rowCount === 1;
  }

  /**
   * Moves `userId`'s read pointer forward to `messageId` (never back); false when that message
   * is not in the channel. In #general the row is made on the first read.
   */
  async markRead(id: number, userId: number, messageId: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO memberships (channel_id, user_id, last_read_id)
         SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM messages WHERE id = $3 AND channel_id = $1)
         ON CONFLICT (channel_id, user_id)
           DO UPDATE SET last_read_id = greatest(memberships.last_read_id, excluded.last_read_id)`,
      [id, userId, messageId],
    );
    return result.rowCount === 1;
  }
}
