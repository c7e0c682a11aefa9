import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { readPackageVersion, resolveVersion } from '@microflack/common/registry';
import { serviceEntry } from '../catalog.js';
import { ROOT, statePaths, type LocalSettings } from '../settings.js';

const run = promisify(execFile);

/** Written last into a release: a directory without it is an interrupted build, never used. */
const COMPLETE = '.release-complete';

/** How many releases of a service are kept (beyond those instances use), for rollbacks. */
export const KEEP_RELEASES = 3;

/** One immutable, self-contained copy of a service's build (docs/operations.md, releases). */
export interface Release {
  service: string;
  version: string;
  dir: string;
  /** The entry point an instance runs: `<dir>/dist/main.js`. */
  main: string;
}

/** A tag names a release and goes into instance ids: letters, digits, `.`, `_` and `-`. Pure. */
export function checkTag(tag: string): string {
  if (!/^[\w][\w.-]{0,63}$/.test(tag))
    throw new Error(`bad tag "${tag}": use letters, digits, ".", "_" and "-" (at most 64)`);
  return tag;
}

/** The version of the working tree's build of `service`: package version + short git hash, or `tag`. */
export function buildVersion(service: string, tag?: string): string {
  if (tag !== undefined) return checkTag(tag);
  const packageJson = pathToFileURL(join(ROOT, 'services', service, 'package.json'));
  return resolveVersion(readPackageVersion(packageJson), undefined);
}

/** The release of `service` named `version` (it may not exist yet). */
export function releaseOf(settings: LocalSettings, service: string, version: string): Release {
  const dir = join(statePaths(settings).releases, service, version);
  return { service, version, dir, main: join(dir, 'dist', 'main.js') };
}

/** Whether the release was completely built. */
export function releaseExists(release: Release): boolean {
  return existsSync(join(release.dir, COMPLETE));
}

/**
 * Replaces every hard-linked file under `dir` by a copy of its own. `pnpm deploy` hard-links the
 * workspace packages a service depends on (common) to their build in the working tree, which
 * `tsc` rewrites in place: without this, rebuilding the tree would change a running release.
 */
function unlinkShared(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) unlinkShared(path);
    else if (entry.isFile() && lstatSync(path).nlink > 1) {
      copyFileSync(path, `${path}.copy`);
      renameSync(`${path}.copy`, path);
    }
  }
}

/** The workspace packages copied into a deployed release (`node_modules/.pnpm/@microflack+…`). */
function workspaceCopies(dir: string): string[] {
  const store = join(dir, 'node_modules', '.pnpm');
  if (!existsSync(store)) return [];
  return readdirSync(store)
    .filter((name) => name.startsWith('@microflack+'))
    .map((name) => join(store, name));
}

/** Builds `release` from the working tree's build with `pnpm deploy`, atomically. */
async function buildRelease(release: Release): Promise<void> {
  const built = join(ROOT, 'services', release.service, 'dist', 'main.js');
  if (!existsSync(built))
    throw new Error(`${release.service} is not built (${built} is missing): run pnpm build`);
  const staging = `${release.dir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(release.dir, '..'), { recursive: true });
  try {
    const filter = `@microflack/${release.service}`;
    await run('pnpm', ['--filter', filter, 'deploy', '--legacy', '--prod', staging], { cwd: ROOT });
    workspaceCopies(staging).forEach(unlinkShared);
    if (!existsSync(join(staging, 'dist', 'main.js'))) throw new Error('dist/main.js is missing');
    writeFileSync(join(staging, COMPLETE), `${new Date().toISOString()}\n`);
    rmSync(release.dir, { recursive: true, force: true }); // an interrupted build, if any
    renameSync(staging, release.dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const detail = error instanceof Error ? error.message.trim().split('\n').slice(-3) : [error];
    throw new Error(
      `the release ${release.service} ${release.version} failed to build: ${detail.join(' / ')}`,
    );
  }
}

/**
 * The release of `service` for `tag` (or the working tree's version), built from the working tree
 * when it does not exist yet. An existing release is never rebuilt: it is immutable.
 * @returns the release and whether it was built now.
 */
export async function ensureRelease(
  settings: LocalSettings,
  service: string,
  tag?: string,
): Promise<{ release: Release; built: boolean }> {
  serviceEntry(service);
  const release = releaseOf(settings, service, buildVersion(service, tag));
  if (releaseExists(release)) return { release, built: false };
  await buildRelease(release);
  return { release, built: true };
}

/**
 * Deletes the oldest releases of `service` beyond the newest {@link KEEP_RELEASES}, except those
 * `inUse` (versions some recorded instance runs). @returns the versions deleted.
 */
export function pruneReleases(
  settings: LocalSettings,
  service: string,
  inUse: ReadonlySet<string>,
): string[] {
  const dir = join(statePaths(settings).releases, service);
  if (!existsSync(dir)) return [];
  const complete = readdirSync(dir)
    .map((version) => releaseOf(settings, service, version))
    .filter(releaseExists)
    .map((release) => ({ release, at: statSync(join(release.dir, COMPLETE)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  const old = complete.slice(KEEP_RELEASES).filter(({ release }) => !inUse.has(release.version));
  for (const { release } of old) rmSync(release.dir, { recursive: true, force: true });
  return old.map(({ release }) => release.version);
}
