import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { currentEnv } from '../config.js';

/** The repository root, from this file's place in `common/dist/testing/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function stderrOf(error: unknown): string {
  const stderr = typeof error === 'object' && error !== null && 'stderr' in error && error.stderr;
  return Buffer.isBuffer(stderr) ? stderr.toString('utf8').trim() : '';
}

/**
 * Brings the local infrastructure up if it is not running (`admin/mfinfra up` is idempotent):
 * the vitest global setup of every package calls this. Tests never install system packages:
 * with `MF_NO_INSTALL=1`, a missing package fails the run, naming it and `./admin/mfup`.
 */
export function ensureInfrastructure(): void {
  try {
    execFileSync(`${REPO_ROOT}admin/mfinfra`, ['up'], {
      env: { ...currentEnv(), MF_NO_INSTALL: '1' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
  } catch (error) {
    const reason = stderrOf(error) || 'it failed';
    throw new Error(
      `the local infrastructure is not up (admin/mfinfra up: ${reason}); ` +
        './admin/mfup installs what is missing and starts it',
      { cause: error },
    );
  }
}
