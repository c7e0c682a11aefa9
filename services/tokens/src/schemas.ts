import { z } from 'zod';

/** The part of the users service's `GET /api/users/me` answer that a token needs. */
export const signedInUser = z.object({ id: z.number().int().positive() });

/** An error body from another service, passed on when it has the SPEC shape. */
export const upstreamError = z.object({ error: z.string(), code: z.string() });

/**
 * Basic credentials that some account could have: nicknames are at most 32 characters and
 * passwords at most 72 bytes. Anything longer is wrong without asking users, and passing it on
 * could only make a header too large for the balancer (an answer that is no fault of users).
 */
export const plausibleCredentials = z.object({
  nickname: z.string().max(32),
  password: z.string().refine((value) => Buffer.byteLength(value, 'utf8') <= 72),
});
