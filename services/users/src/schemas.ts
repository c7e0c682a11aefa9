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

/**
 * `PUT /api/users/:id`: at least one of nickname and password; a new password needs the current
 * one (checked by the domain; any string up to 1 KiB is taken here, a wrong one is a 401).
 */
export const profileChange = z
  .object({
    nickname: nickname.optional(),
    password: password.optional(),
    current_password: z.string().max(1024).optional(),
  })
  .refine((change) => change.nickname !== undefined || change.password !== undefined, {
    error: 'give a nickname or a password to change',
  })
  .refine((change) => change.password === undefined || change.current_password !== undefined, {
    error: 'give current_password to change the password',
    path: ['current_password'],
  });

const positiveId = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().max(2_147_483_647));

/** A user id in a path: a positive 32-bit integer written in decimal. */
export const userIdParams = z.object({ id: positiveId });

/** `GET /api/users` filters and page; unknown parameters are ignored (cache busters). */
export const listQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be a number of users from 1 to 500')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'))
    .default(100),
  after: positiveId.optional(),
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
