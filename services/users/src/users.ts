import bcrypt from 'bcrypt';
import {
  HttpError,
  tooManyRequests,
  unauthorized,
  type BasicCredentials,
  type Broadcaster,
  type RevocationSet,
} from '@microflack/common';
import { SignInLimits, type UsersLimits } from './abuse-limits.js';
import type { HashBudget } from './hash-budget.js';
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
  limits: UsersLimits;
  /** The cap on bcrypt work in hand. */
  hashing: HashBudget;
  /** Where a password change signs the user out everywhere. */
  revocations: Pick<RevocationSet, 'revokeUser'>;
  /** `TOKEN_TTL`: how long a sign-out everywhere must be remembered. */
  tokenTtlSeconds: number;
  broadcaster: Pick<Broadcaster, 'updated'>;
  bcryptCost: number;
  /** Seconds after `last_seen_at` at which a user counts as gone. */
  offlineAfterSeconds: number;
}

const taken = () =>
  new HttpError(409, 'nickname_taken', 'That nickname is taken (nicknames ignore case).');
const wrongCredentials = () =>
  unauthorized('The nickname or the password is wrong.', 'wrong_credentials');

/** A profile edit as the route parsed it. */
export interface ProfileEdit {
  nickname?: string | undefined;
  password?: string | undefined;
  current_password?: string | undefined;
}

/** Accounts, sign-in and presence; every visible change is broadcast once. */
export class Users {
  private decoy: Promise<string> | undefined;
  private readonly signIns: SignInLimits;

  constructor(private readonly deps: UsersDeps) {
    this.signIns = new SignInLimits(deps.limits);
  }

  private publish(row: UserRow): User {
    const user = toUser(row);
    this.deps.broadcaster.updated('User', user);
    return user;
  }

  private hash(password: string): Promise<string> {
    return this.deps.hashing.run(() => bcrypt.hash(password, this.deps.bcryptCost));
  }

  /** Whether `password` is the one `hash` was made from (bcrypt reads only 72 bytes: no more). */
  private async matches(password: string, hash: string): Promise<boolean> {
    const fits = Buffer.byteLength(password, 'utf8') <= 72 && !password.includes('\0');
    const same = await this.deps.hashing.run(() => bcrypt.compare(password, hash));
    return same && fits;
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

  /**
   * Edits one's own profile. A new password needs the current one and signs the user out
   * everywhere: every token of theirs, this one included, is refused from then on.
   * @throws 403 for someone else's, 401 wrong current password, 429 too many password changes,
   *   409 for a taken nickname.
   */
  async update(requesterId: number, id: number, change: ProfileEdit): Promise<User> {
    if (requesterId !== id) {
      throw new HttpError(403, 'forbidden', 'You can only change your own profile.');
    }
    const passwordHash =
      change.password === undefined
        ? undefined
        : await this.newPasswordHash(id, change.password, change.current_password ?? '');
    const row = await this.deps.repo
      .update(id, { nickname: change.nickname, passwordHash })
      .catch(translateTaken);
    if (!row) throw gone();
    if (passwordHash !== undefined) {
      await this.deps.revocations.revokeUser(id, this.deps.tokenTtlSeconds);
    }
    return this.publish(row);
  }

  /** Checks the current password (a limited number of times) and hashes the new one. */
  private async newPasswordHash(id: number, password: string, current: string): Promise<string> {
    await this.deps.limits.passwordChanges.enforce(String(id), {
      code: 'too_many_attempts',
      message: 'Too many password changes; try again later.',
    });
    const row = await this.deps.repo.byId(id);
    if (!row) throw gone();
    if (!(await this.matches(current, row.password_hash))) {
      throw unauthorized('The current password is wrong.', 'wrong_password');
    }
    return this.hash(password);
  }

  /**
   * Checks Basic credentials from `address` and marks the user online. Failures are limited
   * across instances per nickname and address, with a higher ceiling per nickname; a nickname
   * that does not exist costs the same bcrypt time as one that does.
   * @throws 401 wrong credentials, 429 with `Retry-After` when over the limit, 503 `busy`.
   */
  async signIn({ nickname, password }: BasicCredentials, address: string): Promise<User> {
    // No account can have such a nickname: refuse it without spending a Redis key on it.
    if (!NICKNAME.test(nickname)) throw wrongCredentials();
    const attempt = await this.signIns.begin(nickname, address);
    if (!attempt.allowed) {
      throw tooManyRequests(attempt.retryAfterSeconds, {
        code: 'too_many_attempts',
        message: 'Too many failed sign-ins for this nickname; try again later.',
      });
    }
    let row: UserRow | undefined;
    let matches: boolean;
    try {
      row = await this.deps.repo.byNickname(nickname);
      matches = await this.matches(password, row?.password_hash ?? (await this.decoyHash()));
    } catch (error) {
      // Not a failed sign-in: it could not be checked (a 503). Counted, a short outage would
      // lock every user out for a minute.
      await this.signIns.release(nickname, address);
      throw error;
    }
    if (!row || !matches) throw wrongCredentials();
    await this.signIns.release(nickname, address);
    return this.presence(await this.deps.repo.markOnline(row.id));
  }

  /** The user a valid token belongs to. @throws 401 when the account no longer exists */
  async me(id: number): Promise<User> {
    const row = await this.deps.repo.byId(id);
    if (!row) throw gone();
    return toUser(row);
  }

  /** A presence ping: online, seen now. @throws 429 past the presence limit */
  async ping(id: number): Promise<void> {
    await this.limitPresence(id);
    this.presence(await this.deps.repo.markOnline(id));
  }

  /** The user left: offline now. @throws 429 past the presence limit */
  async leave(id: number): Promise<void> {
    await this.limitPresence(id);
    this.presence(await this.deps.repo.markOffline(id));
  }

  private limitPresence(id: number): Promise<void> {
    return this.deps.limits.presenceChanges.enforce(String(id), {
      code: 'too_many_requests',
      message: 'Too many presence changes; slow down.',
    });
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
    // Made once, outside the budget: a refusal must not be remembered as the decoy.
    this.decoy ??= bcrypt.hash('a password nobody has', this.deps.bcryptCost);
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
