import bcrypt from 'bcrypt';
import {
  HttpError,
  unauthorized,
  type BasicCredentials,
  type Broadcaster,
} from '@microflack/common';
import type { LoginLimiter } from './login-limiter.js';
import { NicknameTakenError, type ListFilter, type UserRow, type UsersRepo } from './users-repo.js';

/**
 * What a nickname is: 1–32 ASCII letters, digits, `_`, `-`, `.`. ASCII only: lookalike letters
 * from other scripts would let one user pass for another, and lower-casing stays the same in
 * every locale.
 */
export const NICKNAME = /^[A-Za-z0-9_.-]{1,32}$/;

/** A user as clients see it: never the password hash. */
export interface User {
  id: number;
  nickname: string;
  online: boolean;
  created_at: number;
  updated_at: number;
  last_seen_at: number;
  _links: { self: string; messages: string };
}

/** The API view of a stored row. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    nickname: row.nickname,
    online: row.online,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_seen_at: row.last_seen_at,
    _links: { self: `/api/users/${row.id}`, messages: `/api/messages?user_id=${row.id}` },
  };
}

/** What the users domain works with. */
export interface UsersDeps {
  repo: UsersRepo;
  limiter: LoginLimiter;
  broadcaster: Pick<Broadcaster, 'updated'>;
  bcryptCost: number;
  /** Seconds after `last_seen_at` at which a user counts as gone. */
  offlineAfterSeconds: number;
}

const taken = () =>
  new HttpError(409, 'nickname_taken', 'That nickname is taken (nicknames ignore case).');
const wrongCredentials = () =>
  unauthorized('The nickname or the password is wrong.', 'wrong_credentials');

/** Accounts, sign-in and presence; every visible change is broadcast once. */
export class Users {
  private decoy: Promise<string> | undefined;

  constructor(private readonly deps: UsersDeps) {}

  private publish(row: UserRow): User {
    const user = toUser(row);
    this.deps.broadcaster.updated('User', user);
    return user;
  }

  private async hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.deps.bcryptCost);
  }

  /** Creates an account. @throws 409 when the nickname is taken in any case. */
  async register(nickname: string, password: string): Promise<User> {
    const passwordHash = await this.hash(password);
    const row = await this.deps.repo.create(nickname, passwordHash).catch(translateTaken);
    return this.publish(row);
  }

  /** Users matching `filter`, by `updated_at` then nickname. */
  async list(filter: ListFilter): Promise<User[]> {
    return (await this.deps.repo.list(filter)).map(toUser);
  }

  /** One user. @throws 404 */
  async get(id: number): Promise<User> {
    const row = await this.deps.repo.byId(id);
    if (!row) throw new HttpError(404, 'not_found', `There is no user ${id}.`);
    return toUser(row);
  }

  /** Edits one's own profile. @throws 403 for someone else's, 409 for a taken nickname. */
  async update(
    requesterId: number,
    id: number,
    change: { nickname?: string | undefined; password?: string | undefined },
  ): Promise<User> {
    if (requesterId !== id) {
      throw new HttpError(403, 'forbidden', 'You can only change your own profile.');
    }
    const passwordHash =
      change.password === undefined ? undefined : await this.hash(change.password);
    const row = await this.deps.repo
      .update(id, { nickname: change.nickname, passwordHash })
      .catch(translateTaken);
    if (!row) throw gone();
    return this.publish(row);
  }

  /**
   * Checks Basic credentials and marks the user online. Failures per nickname are limited
   * across instances; a nickname that does not exist costs the same bcrypt time as one that does.
   * @throws 401 wrong credentials, 429 with `Retry-After` when over the limit.
   */
  async signIn({ nickname, password }: BasicCredentials): Promise<User> {
    // No account can have such a nickname: refuse it without spending a Redis key on it.
    if (!NICKNAME.test(nickname)) throw wrongCredentials();
    const attempt = await this.deps.limiter.begin(nickname);
    if (!attempt.allowed) {
      throw new HttpError(
        429,
        'too_many_attempts',
        'Too many failed sign-ins for this nickname; try again later.',
        { 'Retry-After': String(attempt.retryAfterSeconds) },
      );
    }
    const row = await this.deps.repo.byNickname(nickname);
    const hash = row?.password_hash ?? (await this.decoyHash());
    // bcrypt only reads 72 bytes: a longer password must not match on its first 72.
    const fits = Buffer.byteLength(password, 'utf8') <= 72 && !password.includes('\0');
    const matches = (await bcrypt.compare(password, hash)) && fits;
    if (!row || !matches) throw wrongCredentials();
    await this.deps.limiter.succeeded(nickname);
    return this.presence(await this.deps.repo.markOnline(row.id));
  }

  /** The user a valid token belongs to. @throws 401 when the account no longer exists */
  async me(id: number): Promise<User> {
    const row = await this.deps.repo.byId(id);
    if (!row) throw gone();
    return toUser(row);
  }

  /** A presence ping: online, seen now. */
  async ping(id: number): Promise<void> {
    this.presence(await this.deps.repo.markOnline(id));
  }

  /** The user left: offline now. */
  async leave(id: number): Promise<void> {
    this.presence(await this.deps.repo.markOffline(id));
  }

  /** Marks offline everyone not seen lately; returns how many this call changed. */
  async sweep(): Promise<number> {
    const rows = await this.deps.repo.sweep(this.deps.offlineAfterSeconds);
    for (const row of rows) this.publish(row);
    return rows.length;
  }

  private presence(change: { user: UserRow; changed: boolean } | undefined): User {
    if (!change) throw gone();
    return change.changed ? this.publish(change.user) : toUser(change.user);
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= this.hash('a password nobody has');
    return this.decoy;
  }
}

function gone(): HttpError {
  return unauthorized('The account of this token no longer exists.', 'unknown_user');
}

function translateTaken(error: unknown): never {
  if (error instanceof NicknameTakenError) throw taken();
  throw error;
}
