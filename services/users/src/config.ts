import { z } from 'zod';
import { baseEnv, databaseEnv } from '@microflack/common';

/** The environment of the users service: the common variables plus its database and tuning. */
export const usersEnv = {
  ...baseEnv,
  DATABASE_URL: databaseEnv.DATABASE_URL.default('postgres://postgres@127.0.0.1:15432/users'),
  /** bcrypt work factor; 12 in production, tests lower it to keep hashing fast. */
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  /** bcrypt hashes and comparisons one instance holds at most (running or waiting); past it, 503. */
  USERS_BCRYPT_MAX_PENDING: z.coerce.number().int().min(1).default(16),
  /** Seconds after `last_seen_at` at which the sweeper marks a user offline. */
  USERS_OFFLINE_AFTER: z.coerce.number().positive().default(60),
  /** Seconds between two sweeps of one instance. */
  USERS_SWEEP_INTERVAL: z.coerce.number().positive().default(5),
};

/** The parsed configuration of the users service. */
export type UsersConfig = z.infer<z.ZodObject<typeof usersEnv>>;
