import type { Limit, LimitRule, Verdict } from '@microflack/common';

/** The abuse limits of users (docs/api.md, users): per window, per key. */
export const USERS_LIMIT_RULES = {
  /** Accounts created per client address. */
  registrations: { name: 'users/registrations', points: 10, durationSeconds: 600 },
  /** Failed sign-ins per nickname and client address together. */
  signInFailures: { name: 'users/sign-in-failures', points: 5, durationSeconds: 60, scaled: false },
  /** Failed sign-ins per nickname from all addresses: high, so no one address locks a user out. */
  signInFailuresPerNickname: {
    name: 'users/sign-in-failures-per-nickname',
    points: 50,
    durationSeconds: 60,
    scaled: false,
  },
  /** Password changes per user (each checks the current password with bcrypt). */
  passwordChanges: { name: 'users/password-changes', points: 5, durationSeconds: 900 },
  /** Presence changes (`PUT`/`DELETE /api/users/me`) per user. */
  presenceChanges: { name: 'users/presence-changes', points: 60, durationSeconds: 60 },
} satisfies Record<string, LimitRule>;

/** The limits built from {@link USERS_LIMIT_RULES}. */
export type UsersLimits = Record<keyof typeof USERS_LIMIT_RULES, Limit>;

/** Builds every users limit with `make` (common's `limitsFor(redis, config)`). */
export function usersLimits(make: (rule: LimitRule) => Limit): UsersLimits {
  const rules = USERS_LIMIT_RULES;
  return {
    registrations: make(rules.registrations),
    signInFailures: make(rules.signInFailures),
    signInFailuresPerNickname: make(rules.signInFailuresPerNickname),
    passwordChanges: make(rules.passwordChanges),
    presenceChanges: make(rules.presenceChanges),
  };
}

/**
 * Failed sign-ins, counted by nickname and client address together, with a higher ceiling per
 * nickname. An attempt takes a slot of both before the password is checked and gives them back
 * when it succeeds, so concurrent guesses cannot slip past the limit between check and count.
 */
export class SignInLimits {
  constructor(
    private readonly limits: Pick<UsersLimits, 'signInFailures' | 'signInFailuresPerNickname'>,
  ) {}

  private keys(nickname: string, address: string) {
    const lower = nickname.toLowerCase();
    return { pair: `${lower}|${address}`, nickname: lower };
  }

  /** Takes a slot for an attempt on `nickname` from `address`, or says how long to wait. */
  async begin(nickname: string, address: string): Promise<Verdict> {
    const keys = this.keys(nickname, address);
    const pair = await this.limits.signInFailures.take(keys.pair);
    // A refused pair spends nothing of the nickname's ceiling: one address cannot exhaust it.
    if (!pair.allowed) return pair;
    const ceiling = await this.limits.signInFailuresPerNickname.take(keys.nickname);
    if (!ceiling.allowed) await this.limits.signInFailures.giveBack(keys.pair);
    return ceiling;
  }

  /**
   * The attempt was not a failed sign-in (it succeeded, or it could not be checked: the
   * database away, hashing busy): it no longer counts.
   */
  async release(nickname: string, address: string): Promise<void> {
    const keys = this.keys(nickname, address);
    await this.limits.signInFailures.giveBack(keys.pair);
    await this.limits.signInFailuresPerNickname.giveBack(keys.nickname);
  }
}
