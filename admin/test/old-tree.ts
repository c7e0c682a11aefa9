// An older commit of this repository, extracted and built outside the working tree, so a test can
// start the release before a change with that release's own admin commands.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository this test runs in (admin/test/ is two levels below it). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds can be slow on a shared machine; their output is only shown when they fail. */
const BUILD = { maxBuffer: 64 * 1024 * 1024 };

/** A built copy of one commit. */
export interface OldTree {
  dir: string;
  /** Runs the old tree's `admin/<command> ...args` with `env`. */
  run(
    command: string,
    args: readonly string[],
    env: Record<string, string | undefined>,
  ): Promise<unknown>;
  remove(): void;
}

/** Whether this clone holds `commit` (a shallow clone may not). */
export async function hasCommit(commit: string): Promise<boolean> {
  try {
    await run('git', ['-C', ROOT, 'cat-file', '-e', `${commit}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Extracts `commit` from the repository's git objects into a fresh directory (no worktree is
 * registered, so nothing is left behind if the test dies), installs it from the pnpm store
 * (the network only for a package the store lacks) and builds it. Nothing is cached across runs.
 */
export async function buildOldTree(commit: string): Promise<OldTree> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-old-tree-'));
  try {
    const archive = join(dir, 'tree.tar');
    await run('git', ['-C', ROOT, 'archive', '--format=tar', '-o', archive, commit]);
    await run('tar', ['-xf', archive, '-C', dir]);
    rmSync(archive);
    // The local infrastructure's passwords, when it has any, are in the working tree's .env.
    if (existsSync(join(ROOT, '.env'))) copyFileSync(join(ROOT, '.env'), join(dir, '.env'));
    await run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { cwd: dir, ...BUILD });
    await run('pnpm', ['build'], { cwd: dir, ...BUILD });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    run: (command, args, env) => run(join(dir, 'admin', command), args, { env }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
