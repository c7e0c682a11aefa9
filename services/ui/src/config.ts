import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { baseEnv } from '@microflack/common';

/** Where `pnpm build` writes the browser app: `dist/public` of this package. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../dist/public', import.meta.url));

/** The environment of the ui service: the common variables and where the built app lies. */
export const uiEnv = {
  ...baseEnv,
  UI_PUBLIC_DIR: z.string().min(1).default(DEFAULT_PUBLIC_DIR),
};

/** The parsed configuration of the ui service. */
export type UiConfig = z.infer<z.ZodObject<typeof uiEnv>>;
