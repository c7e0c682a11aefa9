import { z } from 'zod';
import { baseEnv, databaseEnv, testOnly } from '@microflack/common';

const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** The environment of the messages service: the common variables plus its database and previews. */
export const messagesEnv = {
  ...baseEnv,
  DATABASE_URL: databaseEnv.DATABASE_URL.default('postgres://postgres@127.0.0.1:15432/messages'),
  // Tests serve preview pages from 127.0.0.1; outside NODE_ENV=test the flag is refused, so
  // private targets are always refused in production.
  PREVIEW_ALLOW_PRIVATE: testOnly(
    z
      .enum(['0', '1'])
      .default('0')
      .transform((value) => value === '1'),
  ),
  // Link previews: fetches in flight per instance and per host, and the cache by URL.
  PREVIEW_CONCURRENCY: count(8),
  PREVIEW_HOST_CONCURRENCY: count(2),
  PREVIEW_CACHE_SIZE: count(1000),
  PREVIEW_CACHE_TTL: z.coerce.number().int().min(0).default(600),
  PREVIEW_FAILURE_TTL: z.coerce.number().int().min(0).default(60),
};

/** The parsed configuration of the messages service. */
export type MessagesConfig = z.infer<z.ZodObject<typeof messagesEnv>>;
