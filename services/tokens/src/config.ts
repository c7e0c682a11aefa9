import type { z } from 'zod';
import { baseEnv } from '@microflack/common';

/** The environment of the tokens service: the common variables only (it has no database). */
export const tokensEnv = { ...baseEnv };

/** The parsed configuration of the tokens service. */
export type TokensConfig = z.infer<z.ZodObject<typeof tokensEnv>>;
