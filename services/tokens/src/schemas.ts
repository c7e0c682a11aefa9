import { z } from 'zod';

/** The part of the users service's `GET /api/users/me` answer that a token needs. */
export const signedInUser = z.object({ id: z.number().int().positive() });
