import { z } from 'zod';

/** The part of the users service's `GET /api/users/me` answer that a token needs. */
export const signedInUser = z.object({ id: z.number().int().positive() });

/** `DELETE /api/tokens` options: `all=1` signs the user out everywhere. */
export const revocationQuery = z.object({
  all: z
    .enum(['1', '0', 'true', 'false'])
    .transform((value) => value === '1' || value === 'true')
    .default(false),
});
