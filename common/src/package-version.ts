import { readFileSync } from 'node:fs';
import { z } from 'zod';

const packageJson = z.object({ version: z.string().min(1) });

/**
 * The `version` of a package.json, read once at start so a service's version stays in one place:
 * `readPackageVersion(new URL('../package.json', import.meta.url))` from a service's `dist/`.
 */
export function readPackageVersion(packageJsonUrl: URL): string {
  return packageJson.parse(JSON.parse(readFileSync(packageJsonUrl, 'utf8'))).version;
}
