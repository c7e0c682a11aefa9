import { z } from 'zod';
import { baseEnv, databaseEnv, testOnly } from '@microflack/common';

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
};

/** The parsed configuration of the messages service. */
export type MessagesConfig = z.infer<z.ZodObject<typeof messagesEnv>>;
