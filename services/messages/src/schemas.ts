import { z } from 'zod';
import { HttpError } from '@microflack/common';
import type { ListQuery } from './messages.js';

/** The largest message source. */
export const MAX_SOURCE = 4000;
/** The largest id PostgreSQL's `integer` holds. */
export const INT4_MAX = 2_147_483_647;

/** A path or query integer: decimal digits up to `max`. */
export const digits = (max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().max(max));

/** A row id in a path or query. */
export const messageId = digits(INT4_MAX).pipe(z.number().min(1));

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

/** `POST` body: `{source, channel_id?}`; #general when no channel is named. */
export const postBody = messageBody.extend({
  channel_id: z.number().int().min(1).max(INT4_MAX).optional(),
});

/** `/api/messages/:id`. */
export const messageParams = z.object({ id: messageId });

// `<xid>.<id>` as the API hands it out: a transaction id (xid8, below 2^64) and a message id.
const cursor = z
  .string()
  .regex(/^\d{1,19}\.\d{1,10}$/, 'must be a cursor from an earlier answer')
  .transform((text) => {
    const [xid = '', id = ''] = text.split('.');
    return { xid, id: Number(id) };
  })
  .refine(({ id }) => id <= INT4_MAX, 'must be a cursor from an earlier answer');

/**
 * `GET /api/messages` query: a latest page, a history page (`before`) or a catch-up (`cursor`,
 * else `updated_since`), optionally of one author (`user_id`, the `messages` link of a user).
 * `cursor` wins over `updated_since`: a client sends both while old instances, which know only
 * `updated_since`, still answer.
 */
export const listQuery = z
  .object({
    limit: digits(500).pipe(z.number().min(1)).default(100),
    before: messageId.optional(),
    updated_since: digits(Number.MAX_SAFE_INTEGER).optional(),
    cursor: cursor.optional(),
    user_id: messageId.optional(),
    channel_id: messageId.optional(),
  })
  .refine(
    (query) => query.before === undefined || (query.updated_since ?? query.cursor) === undefined,
    'before cannot be combined with updated_since or cursor',
  )
  .transform(({ limit, before, updated_since, cursor, user_id, channel_id }): ListQuery => {
    const common = { limit, userId: user_id, channelId: channel_id };
    if (cursor !== undefined) return { kind: 'changes', after: cursor, ...common };
    if (updated_since !== undefined)
      return { kind: 'updated_since', since: updated_since, ...common };
    if (before !== undefined) return { kind: 'before', before, ...common };
    return { kind: 'latest', ...common };
  });

/** The largest `Idempotency-Key`. */
export const MAX_IDEMPOTENCY_KEY = 64;
// Visible ASCII only: the key travels as an HTTP header (and socketio's `client_id` becomes one).
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]+$/)
  .max(MAX_IDEMPOTENCY_KEY)
  .optional();

/**
 * The `Idempotency-Key` header: absent, or 1–64 visible ASCII characters.
 * @throws HttpError 400 `invalid_idempotency_key`.
 */
export function parseIdempotencyKey(header: unknown): string | undefined {
  const parsed = idempotencyKey.safeParse(header);
  if (parsed.success) return parsed.data;
  throw new HttpError(
    400,
    'invalid_idempotency_key',
    `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY} visible ASCII characters.`,
  );
}
