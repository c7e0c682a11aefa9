import { z } from 'zod';
import { NICKNAME } from './users.js';

/** A nickname (see {@link NICKNAME}). */
export const nickname = z.string().regex(NICKNAME, 'must be 1–32 letters, digits, "_", "-" or "."');

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');

/** 8–72 bytes of UTF-8 (bcrypt ignores anything past 72), no NUL (bcrypt would stop there). */
export const password = z
  .string()
  .refine((value) => utf8Bytes(value) >= 8 && utf8Bytes(value) <= 72, 'must be 8–72 bytes')
  .refine((value) => !value.includes('\0'), 'must not contain NUL characters');

// Bodies ignore fields they do not use: a Backbone-style client posts its whole model (`id: null`,
// `online: false`, …). The fields a route uses are validated strictly.

/** `POST /api/users`. */
export const registration = z.object({ nickname, password });

/** `PUT /api/users/:id`: at least one of the two. */
export const profileChange = z
  .object({ nickname: nickname.optional(), password: password.optional() })
  .refine((change) => change.nickname !== undefined || change.password !== undefined, {
    error: 'give a nickname or a password to change',
  });

/** A user id in a path: a positive 32-bit integer written in decimal. */
export const userIdParams = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().max(2_147_483_647)),
});

/** `GET /api/users` filters; unknown parameters are ignored (cache busters). */
export const listQuery = z.object({
  online: z
    .enum(['1', '0', 'true', 'false'])
    .transform((value) => value === '1' || value === 'true')
    .optional(),
  updated_since: z
    .string()
    .regex(/^[0-9]{1,15}$/, 'must be a Unix time in milliseconds')
    .transform(Number)
    .optional(),
});
