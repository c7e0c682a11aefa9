import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Whether this process runs as root (the only one that can switch users). */
export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Whether `getent <database> <name>` finds an entry (a user in `passwd`, a group in `group`). */
export function known(database: 'passwd' | 'group', name: string): boolean {
  return getent(database, name) !== undefined;
}

/** The fields of `name`'s entry in `passwd` or `group`, or undefined when there is none. */
function getent(database: 'passwd' | 'group', name: string): string[] | undefined {
  try {
    return execFileSync('getent', [database, name], { encoding: 'utf8' }).trim().split(':');
  } catch {
    return undefined;
  }
}

/** A system user as a process is started under it. */
export interface Account {
  user: string;
  uid: number;
  gid: number;
}

/**
 * The ids of `user` (and of `group`, else of the user's own group), or undefined when the user
 * does not exist. @throws naming the group when it does not exist.
 */
export function account(user: string, group?: string): Account | undefined {
  const entry = getent('passwd', user);
  if (entry === undefined) return undefined;
  const gid = group === undefined ? entry[3] : getent('group', group)?.[2];
  if (gid === undefined) throw new Error(`there is no group "${group ?? ''}"`);
  return { user, uid: Number(entry[2]), gid: Number(gid) };
}

/** The `postgres` user that owns the cluster when we are root, else undefined (we own it). */
export function postgresAccount(): Account | undefined {
  if (!runningAsRoot()) return undefined;
  const postgres = account('postgres');
  if (postgres === undefined) throw new Error('there is no postgres user: install postgresql');
  return postgres;
}

/**
 * Makes `dir` traversable (not listable) by everyone, so processes that dropped root reach what
 * lies under it: a directory made by `mktemp` is not.
 */
export function traversable(dir: string): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, statSync(dir).mode | 0o011);
}
