import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { account, runningAsRoot, traversable, type Account } from '../infra/accounts.js';
import { DEFAULT_RUN_AS, type LocalSettings } from '../settings.js';
import type { Release } from './releases.js';

/** `MF_RUN_AS` split into user and group (the user's own group when none is given). Pure. */
export function parseRunAs(value: string): { user: string; group?: string } {
  const [user = '', group] = value.split(':');
  return group === undefined ? { user } : { user, group };
}

/** Creates the default instances' user: a system user with its own group, no home, no shell. */
function createSystemUser(user: string): Account | undefined {
  try {
    const options = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent'];
    execFileSync('useradd', [...options, '--shell', '/usr/sbin/nologin', user], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    // Another command created it meanwhile (instances start in parallel): that one is as good.
    if (account(user) === undefined) throw error;
  }
  return account(user);
}

/** Whether `who` can read the entry point of `release` (its directories are reachable). */
function canRead(who: Account, release: Release): boolean {
  const probe = spawnSync('test', ['-r', release.main], { uid: who.uid, gid: who.gid });
  return probe.status === 0;
}

/** Who the instances run as, or why they keep this process's user. */
export interface RunAs {
  account?: Account;
  why?: string;
}

/**
 * Who the instances of `release` run as. Only root switches: to `MF_RUN_AS` (default
 * `microflack`, created when missing; `root` keeps root), after making the state directory
 * traversable so the user reaches its release. When the default user cannot read the release
 * anyway (a checkout under a private home), the instance keeps root and `why` says so.
 * @throws when `MF_RUN_AS` names a user that does not exist or cannot read the release.
 */
export function instanceRunAs(settings: LocalSettings, release: Release): RunAs {
  if (!runningAsRoot()) return {};
  const { user, group } = parseRunAs(settings.MF_RUN_AS);
  if (user === 'root') return {};
  const chosen = settings.MF_RUN_AS !== DEFAULT_RUN_AS;
  const found = account(user, group) ?? (chosen ? undefined : createSystemUser(user));
  if (found === undefined) throw new Error(`MF_RUN_AS: there is no user "${user}"`);
  traversable(settings.MF_STATE_DIR);
  if (canRead(found, release)) return { account: found };
  const why = `${user} cannot read ${join(release.dir, 'dist', 'main.js')}`;
  if (chosen) throw new Error(`MF_RUN_AS: ${why}; make it readable or set MF_RUN_AS=root`);
  return { why: `running as root: ${why} (set MF_STATE_DIR to a directory it can reach)` };
}
