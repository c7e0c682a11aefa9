import { z } from 'zod';

/** The part of the users service's `GET /api/users/me` answer that a token needs. */
export const signedInUser = z.object({ id: z.number().int().positive() });

/** An error body from another service, passed on when it has the `{error, code}` shape. */
export const upstreamError = z.object({ error: z.string(), code: z.string() });
