import { z } from 'zod';
import type { ListQuery } from './messages.js';

/** The largest message source. */
export const MAX_SOURCE = 4000;
const INT4_MAX = 2_147_483_647;

const digits = (max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().max(max));

const messageId = digits(INT4_MAX).pipe(z.number().min(1));

// Whitespace, control and invisible format characters (zero-width spaces, joiners, BOM, bidi
// marks): a source made only of these would show as an empty line.
const BLANK = /^[\s\p{Cc}\p{Cf}]*$/u;

/** `POST`/`PUT` body: `{source}`, 1–4000 characters, something visible, no NUL. */
export const messageBody = z.object({
  source: z
    .string()
    .max(MAX_SOURCE, `must be at most ${MAX_SOURCE} characters`)
    .refine((source) => !BLANK.test(source), 'must not be empty')
    // PostgreSQL text cannot hold U+0000.
    .refine((source) => !source.includes('\u0000'), 'must not contain NUL characters'),
});

/** `/api/messages/:id`. */
export const messageParams = z.object({ id: messageId });

/**
 * `GET /api/messages` query: a latest page, a history page (`before`) or a catch-up, optionally of
 * one author (`user_id`, the `messages` link of a user).
 */
export const listQuery = z
  .object({
    limit: digits(500).pipe(z.number().min(1)).default(100),
    before: messageId.optional(),
    updated_since: digits(Number.MAX_SAFE_INTEGER).optional(),
    user_id: messageId.optional(),
  })
  .refine(
    (query) => query.before === undefined || query.updated_since === undefined,
    'before and updated_since cannot be combined',
  )
  .transform(({ limit, before, updated_since, user_id }): ListQuery => {
    const common = { limit, userId: user_id };
    if (updated_since !== undefined)
      return { kind: 'updated_since', since: updated_since, ...common };
    if (before !== undefined) return { kind: 'before', before, ...common };
    return { kind: 'latest', ...common };
  });
