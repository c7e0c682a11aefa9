import { baseEnv, type BaseConfig } from '@microflack/common';

/** The environment of the tokens service: only the common variables (it has no database). */
export const tokensEnv = baseEnv;

/** The parsed configuration of the tokens service. */
export type TokensConfig = BaseConfig;
