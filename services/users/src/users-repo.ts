import { z } from 'zod';
import type { Pool } from '@microflack/common';

const rowSchema = z.object({
  id: z.number().int(),
  nickname: z.string(),
  password_hash: z.string(),
  online: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
  last_seen_at: z.number(),
});

/** A stored user; timestamps in Unix milliseconds. */
export type UserRow = z.infer<typeof rowSchema>;

// A row of `markOnline`: the user, and whether they were online before.
const presenceRowSchema = rowSchema.extend({ was_online: z.boolean() });

/** A row after a presence change, with whether the visible `online` flag flipped. */
export interface PresenceChange {
  user: UserRow;
  changed: boolean;
}

/** Filters of the user listing. */
export interface ListFilter {
  online?: boolean;
  updatedSince?: number;
  /** The page continues after this user, in the listing's order. */
  after?: number;
  /** The page holds at most this many users. */
  limit: number;
}

/** What a profile edit may change; the password arrives already hashed. */
export interface ProfileChange {
  nickname?: string | undefined;
  passwordHash?: string | undefined;
}

/** Raised when a nickname is already taken, whatever its case. */
export class NicknameTakenError extends Error {
  override readonly name = 'NicknameTakenError';
}

/** The select list of a {@link UserRow}, columns qualified by `table`. */
function columns(table = 'users'): string {
  return `${table}.id, ${table}.nickname, ${table}.password_hash, ${table}.online,
    unix_ms(${table}.created_at) AS created_at, unix_ms(${table}.updated_at) AS updated_at,
    unix_ms(${table}.last_seen_at) AS last_seen_at`;
}
const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error
    ? error.code === UNIQUE_VIOLATION
    : false;
}

/** Turns the database's verdict on the nickname index into a domain error. */
async function guardNickname<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isUniqueViolation(error)) throw new NicknameTakenError('nickname taken', { cause: error });
    throw error;
  }
}

/** The SQL of the users table. */
export class UsersRepo {
  constructor(private readonly pool: Pool) {}

  private async rows(sql: string, values: unknown[]): Promise<UserRow[]> {
    const result = await this.pool.query(sql, values);
    return z.array(rowSchema).parse(result.rows);
  }

  private async one(sql: string, values: unknown[]): Promise<UserRow | undefined> {
    return (await this.rows(sql, values))[0];
  }

  /** Inserts a user. @throws NicknameTakenError */
  async create(nickname: string, passwordHash: string): Promise<UserRow> {
    const row = await guardNickname(
      this.one(
        `INSERT INTO users (nickname, password_hash) VALUES ($1, $2) RETURNING ${columns()}`,
        [nickname, passwordHash],
      ),
    );
    if (!row) throw new Error('INSERT returned no row');
    return row;
  }

  /** The user with this id, if any. */
  byId(id: number): Promise<UserRow | undefined> {
    return this.one(`SELECT ${columns()} FROM users WHERE id = $1`, [id]);
  }

  /** The user with this nickname, compared case-insensitively. */
  byNickname(nickname: string): Promise<UserRow | undefined> {
    return this.one(`SELECT ${columns()} FROM users WHERE lower(nickname) = lower($1)`, [nickname]);
  }

  /**
   * Users matching `filter`, ordered by `updated_at`, then nickname — as clients see them: whole
   * milliseconds (two rows of one millisecond are a tie), nicknames by code point in any locale.
   * One page: `filter.limit` rows after the user `filter.after` (none when there is no such user).
   */
  list(filter: ListFilter): Promise<UserRow[]> {
    return this.rows(
      `SELECT ${columns()} FROM users
        WHERE ($1::boolean IS NULL OR online = $1)
          AND ($2::float8 IS NULL OR unix_ms(updated_at) >= $2)
          AND ($3::integer IS NULL OR (unix_ms(updated_at), nickname COLLATE "C") >
               (SELECT unix_ms(a.updated_at), a.nickname COLLATE "C" FROM users a WHERE a.id = $3))
        ORDER BY unix_ms(updated_at), nickname COLLATE "C"
        LIMIT $4`,
      [filter.online ?? null, filter.updatedSince ?? null, filter.after ?? null, filter.limit],
    );
  }

  /** Changes nickname and/or password hash. @throws NicknameTakenError */
  update(id: number, change: ProfileChange): Promise<UserRow | undefined> {
    return guardNickname(
      this.one(
        `UPDATE users SET nickname = coalesce($2, nickname),
                          password_hash = coalesce($3, password_hash),
                          updated_at = now()
          WHERE id = $1 RETURNING ${columns()}`,
        [id, change.nickname ?? null, change.passwordHash ?? null],
      ),
    );
  }

  /**
   * Marks a user online and seen now. `updated_at` moves only when `online` flips, so routine
   * pings do not reshuffle the listing or flood clients with broadcasts.
   */
  async markOnline(id: number): Promise<PresenceChange | undefined> {
    const result = await this.pool.query(
      `WITH old AS (SELECT id, online FROM users WHERE id = $1 FOR UPDATE)
       UPDATE users u SET online = true, last_seen_at = now(),
                          updated_at = CASE WHEN old.online THEN u.updated_at ELSE now() END
         FROM old WHERE u.id = old.id
       RETURNING ${columns('u')}, old.online AS was_online`,
      [id],
    );
    const row = z.array(presenceRowSchema).parse(result.rows)[0];
    if (!row) return undefined;
    const { was_online: wasOnline, ...user } = row;
    return { user, changed: !wasOnline };
  }

  /** Marks a user offline; undefined when there is no such user. */
  async markOffline(id: number): Promise<PresenceChange | undefined> {
    const changed = await this.one(
      `UPDATE users SET online = false, updated_at = now()
        WHERE id = $1 AND online RETURNING ${columns()}`,
      [id],
    );
    if (changed) return { user: changed, changed: true };
    const user = await this.byId(id);
    return user && { user, changed: false };
  }

  /**
   * Marks offline every online user not seen for `afterSeconds`, in one statement: when several
   * sweepers race, row locks make each row change (and come back) in exactly one of them.
   */
  sweep(afterSeconds: number): Promise<UserRow[]> {
    return this.rows(
      `UPDATE users SET online = false, updated_at = now()
        WHERE online AND last_seen_at < now() - make_interval(secs => $1)
       RETURNING ${columns()}`,
      [afterSeconds],
    );
  }
}
