import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in `common/dist/testing/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Brings the local infrastructure up if it is not running (`admin/mfinfra up` is idempotent):
 * the vitest global setup of every package calls this.
 */
export function ensureInfrastructure(): void {
  execFileSync(`${REPO_ROOT}admin/mfinfra`, ['up'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
