import { execFileSync } from 'node:child_process';
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

/** `<package version>-<short git hash>`, or `MF_VERSION` when set (image tags, upgrades). */
export function resolveVersion(packageVersion: string, override: string | undefined): string {
  if (override) return override;
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return hash ? `${packageVersion}-${hash}` : packageVersion;
  } catch {
    return packageVersion;
  }
}
