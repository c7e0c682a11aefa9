import type { Limit, LimitRule } from '@microflack/common';

/** The abuse limits of messages (docs/api.md, messages): per window, per author, across instances. */
export const MESSAGES_LIMIT_RULES = {
  /** Posts: a burst of 20, 10 per second on average. */
  posts: { name: 'messages/posts', points: 20, durationSeconds: 2 },
  /** Edits: each renders the Markdown again and is broadcast to every socket. */
  edits: { name: 'messages/edits', points: 30, durationSeconds: 60 },
  /** Deletions: each is broadcast to every socket. */
  deletions: { name: 'messages/deletions', points: 60, durationSeconds: 60 },
} satisfies Record<string, LimitRule>;

/** What an author does that is limited. */
export type LimitedAction = keyof typeof MESSAGES_LIMIT_RULES;

const REFUSALS: Record<LimitedAction, string> = {
  posts: 'Too many messages; slow down.',
  edits: 'Too many edits; slow down.',
  deletions: 'Too many deletions; slow down.',
};

/**
 * The key an author's actions are counted under. Every limit of messages builds its key here,
 * so a narrower scope (an author in one channel) is one change.
 */
export function authorKey(userId: number): string {
  return `user:${userId}`;
}

/** The limits of {@link MESSAGES_LIMIT_RULES}, spent by author. */
export class MessagesLimits {
  private readonly limits: Record<LimitedAction, Limit>;

  /** @param make builds a limit from a rule (common's `limitsFor(redis, config)`). */
  constructor(make: (rule: LimitRule) => Limit) {
    const rules = MESSAGES_LIMIT_RULES;
    this.limits = {
      posts: make(rules.posts),
      edits: make(rules.edits),
      deletions: make(rules.deletions),
    };
  }

  /** Spends one `action` of `userId`'s. @throws HttpError 429 `rate_limited` past the limit. */
  async spend(action: LimitedAction, userId: number): Promise<void> {
    await this.limits[action].enforce(authorKey(userId), {
      code: 'rate_limited',
      message: REFUSALS[action],
    });
  }
}
