import type { Pool } from '@microflack/common';

/** A user row as the service sees it (timestamps in Unix milliseconds). */
export interface UserRow {
  id: number;
  nickname: string;
  password_hash: string;
  online: boolean;
  created_at: number;
  updated_at: number;
  last_seen_at: number;
}

/** A row after a presence change, with whether the visible `online` flag flipped. */
export interface PresenceChange {
  user: UserRow;
  changed: boolean;
}

/** Filters of the user listing. */
export interface ListFilter {
  online?: boolean;
  updatedSince?: number;
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

  /** Inserts a user. @throws NicknameTakenError */
  async create(nickname: string, passwordHash: string): Promise<UserRow> {
    const result = await guardNickname(
      this.pool.query<UserRow>(
        `INSERT INTO users (nickname, password_hash) VALUES ($1, $2) RETURNING ${columns()}`,
        [nickname, passwordHash],
      ),
    );
    return first(result.rows);
  }

  /** The user with this id, if any. */
  async byId(id: number): Promise<UserRow | undefined> {
    const result = await this.pool.query<UserRow>(`SELECT ${columns()} FROM users WHERE id = $1`, [
      id,
    ]);
    return result.rows[0];
  }

  /** The user with this nickname, compared case-insensitively. */
  async byNickname(nickname: string): Promise<UserRow | undefined> {
    const result = await this.pool.query<UserRow>(
      `SELECT ${columns()} FROM users WHERE lower(nickname) = lower($1)`,
      [nickname],
    );
    return result.rows[0];
  }

  /**
   * Users matching `filter`, ordered by `updated_at`, then nickname — as clients see them: whole
   * milliseconds (two rows of one millisecond are a tie), nicknames by code point in any locale.
   */
  async list(filter: ListFilter): Promise<UserRow[]> {
    const result = await this.pool.query<UserRow>(
      `SELECT ${columns()} FROM users
        WHERE ($1::boolean IS NULL OR online = $1)
          AND ($2::float8 IS NULL OR unix_ms(updated_at) >= $2)
        ORDER BY unix_ms(updated_at), nickname COLLATE "C"`,
      [filter.online ?? null, filter.updatedSince ?? null],
    );
    return result.rows;
  }

  /** Changes nickname and/or password hash. @throws NicknameTakenError */
  async update(id: number, change: ProfileChange): Promise<UserRow | undefined> {
    const result = await guardNickname(
      this.pool.query<UserRow>(
        `UPDATE users SET nickname = coalesce($2, nickname),
                          password_hash = coalesce($3, password_hash),
                          updated_at = now()
          WHERE id = $1 RETURNING ${columns()}`,
        [id, change.nickname ?? null, change.passwordHash ?? null],
      ),
    );
    return result.rows[0];
  }

  /**
   * Marks a user online and seen now. `updated_at` moves only when `online` flips, so routine
   * pings do not reshuffle the listing or flood clients with broadcasts.
   */
  async markOnline(id: number): Promise<PresenceChange | undefined> {
    const result = await this.pool.query<UserRow & { was_online: boolean }>(
      `WITH old AS (SELECT id, online FROM users WHERE id = $1 FOR UPDATE)
       UPDATE users u SET online = true, last_seen_at = now(),
                          updated_at = CASE WHEN old.online THEN u.updated_at ELSE now() END
         FROM old WHERE u.id = old.id
       RETURNING ${columns('u')}, old.online AS was_online`,
      [id],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    const { was_online: wasOnline, ...user } = row;
    return { user, changed: !wasOnline };
  }

  /** Marks a user offline; undefined when there is no such user. */
  async markOffline(id: number): Promise<PresenceChange | undefined> {
    const result = await this.pool.query<UserRow>(
      `UPDATE users SET online = false, updated_at = now()
        WHERE id = $1 AND online RETURNING ${columns()}`,
      [id],
    );
    const changed = result.rows[0];
    if (changed) return { user: changed, changed: true };
    const user = await this.byId(id);
    return user && { user, changed: false };
  }

  /**
   * Marks offline every online user not seen for `afterSeconds`, in one statement: when several
   * sweepers race, row locks make each row change (and come back) in exactly one of them.
   */
  async sweep(afterSeconds: number): Promise<UserRow[]> {
    const result = await this.pool.query<UserRow>(
      `UPDATE users SET online = false, updated_at = now()
        WHERE online AND last_seen_at < now() - make_interval(secs => $1)
       RETURNING ${columns()}`,
      [afterSeconds],
    );
    return result.rows;
  }
}

function first<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('the statement returned no row');
  return row;
}
