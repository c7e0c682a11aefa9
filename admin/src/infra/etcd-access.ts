import { connectEtcd } from '@microflack/common/etcd';
import { registryKeys } from '@microflack/common/registry';
import { Range, type Etcd3, type IPermissionRequest } from 'etcd3';
import {
  ETCD_USERS,
  etcdLogin,
  etcdPassword,
  type EtcdUser,
  type LocalSettings,
} from '../settings.js';
import type { Component } from './component.js';
import { etcdEndpoints } from './etcd-members.js';

/** One permission of a role: read, or read and write, on one key or on every key under a prefix. */
export interface EtcdPermission {
  access: 'Read' | 'Readwrite';
  key: string;
  prefix: boolean;
}

/** The role an etcd user has under one registry prefix. */
export interface EtcdRole {
  /** `<user>@<prefix>`: a user holds one role per prefix it works under. */
  name: string;
  user: EtcdUser;
  permissions: EtcdPermission[];
}

const under = (access: EtcdPermission['access'], key: string) => ({ access, key, prefix: true });
const only = (access: EtcdPermission['access'], key: string) => ({ access, key, prefix: false });

/** What a service's instances may do besides its own keys (docs/architecture.md, registry). */
function extraPermissions(user: EtcdUser, keys: ReturnType<typeof registryKeys>): EtcdPermission[] {
  if (user === 'tokens')
    return [under('Readwrite', keys.revoked), under('Readwrite', keys.revokedUsers)];
  if (user === 'users') return [under('Readwrite', keys.revokedUsers)]; // a password change
  return [];
}

/**
 * The role of each etcd user under `prefix`. A service writes its own `services/<service>/`
 * (config and instances) and reads the revocations (both `revoked/` and `revoked-users/`, one
 * watch) and the load balancer's key (a graceful stop waits on it); tokens also writes the
 * revocations, users the sign-outs everywhere. The watcher reads every service's keys and writes
 * only the load balancer's key. Nobody but root writes another's keys. Pure.
 */
export function etcdRoles(prefix: string): EtcdRole[] {
  const keys = registryKeys(prefix);
  const revocations = keys.revoked.slice(0, -1); // `<prefix>/revoked`, the stem of both
  return ETCD_USERS.map((user) => ({
    name: `${user}@${prefix}`,
    user,
    permissions:
      user === 'balancer'
        ? [under('Read', keys.services), only('Readwrite', keys.balancer)]
        : [
            under('Readwrite', `${keys.services}${user}/`),
            under('Read', revocations),
            only('Read', keys.balancer),
            ...extraPermissions(user, keys),
          ],
  }));
}

const asRequest = (p: EtcdPermission): IPermissionRequest =>
  p.prefix
    ? { permission: p.access, range: Range.prefix(p.key) }
    : { permission: p.access, key: p.key };

/** Whether `error` is etcd refusing a client that did not authenticate (authentication is on). */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof Error && /user name is empty/.test(error.message);
}

/** Whether the etcd behind `anonymous` (a client without credentials) requires authentication. */
export async function etcdAuthEnabled(anonymous: Etcd3): Promise<boolean> {
  try {
    await anonymous.get('/').string();
    return false;
  } catch (error) {
    if (isUnauthenticated(error)) return true;
    throw error;
  }
}

/** Creates `name` with `password`, or sets its password when it exists (the `.env` decides). */
async function ensureUser(etcd: Etcd3, existing: string[], name: string, password: string) {
  const user = etcd.user(name);
  if (existing.includes(name)) await user.setPassword(password);
  else await user.create(password);
  return user;
}

/**
 * Gives every etcd user of the platform its password and its role under `prefix`, then turns
 * authentication on if it is off. `etcd` is a root client once authentication is on, an anonymous
 * one before. Idempotent: `mfinfra up` runs it on every start, and tests for their own prefix.
 */
export async function grantEtcdAccess(
  etcd: Etcd3,
  prefix: string,
  passwordOf: (user: EtcdUser | 'root') => string,
): Promise<void> {
  const users = (await etcd.getUsers()).map((user) => user.name);
  const roles = (await etcd.getRoles()).map((role) => role.name);
  const root = await ensureUser(etcd, users, 'root', passwordOf('root'));
  if (!roles.includes('root')) await etcd.role('root').create();
  await root.addRole('root');
  for (const role of etcdRoles(prefix)) {
    if (!roles.includes(role.name)) await etcd.role(role.name).create();
    await etcd.role(role.name).grant(role.permissions.map(asRequest));
    const user = await ensureUser(etcd, users, role.user, passwordOf(role.user));
    await user.addRole(role.name);
  }
  await etcd.auth.authEnable();
}

/** Whether every role under `prefix` exists; `etcd` is root. */
export async function etcdAccessGranted(etcd: Etcd3, prefix: string): Promise<boolean> {
  const roles = new Set((await etcd.getRoles()).map((role) => role.name));
  return etcdRoles(prefix).every((role) => roles.has(role.name));
}

/** Runs `work` with a client of the local etcd: as root, or anonymous (before authentication is on). */
async function withEtcd<T>(
  settings: LocalSettings,
  login: 'root' | 'anonymous',
  work: (etcd: Etcd3) => Promise<T>,
): Promise<T> {
  const etcd = connectEtcd({
    MF_ETCD_URL: etcdEndpoints(settings),
    ...(login === 'root' ? etcdLogin(settings, 'root') : {}),
  });
  try {
    return await work(etcd);
  } finally {
    etcd.close();
  }
}

/**
 * Grants the platform's etcd users their roles under `prefix` in the local etcd, turning
 * authentication on if it is off: `mfinfra up` for the platform's prefix, a test for its own.
 */
export async function grantLocalEtcdAccess(settings: LocalSettings, prefix: string): Promise<void> {
  const login = (await withEtcd(settings, 'anonymous', etcdAuthEnabled)) ? 'root' : 'anonymous';
  const passwordOf = (user: string) => etcdPassword(settings, user);
  await withEtcd(settings, login, (etcd) => grantEtcdAccess(etcd, prefix, passwordOf));
}

/** Deletes the roles under `prefix` in the local etcd (a test's platform, when it is done). */
export async function dropLocalEtcdAccess(settings: LocalSettings, prefix: string): Promise<void> {
  await withEtcd(settings, 'root', async (etcd) => {
    const roles = new Set((await etcd.getRoles()).map((role) => role.name));
    for (const role of etcdRoles(prefix))
      if (roles.has(role.name)) await etcd.role(role.name).delete();
  });
}

/**
 * The local registry's authentication, as a step of `mfinfra up` when `.env` has
 * `ETCD_ROOT_PASSWORD`: it answers once authentication is on and every role under the platform's
 * prefix exists; starting it grants them (and turns authentication on).
 */
export function etcdAccess(settings: LocalSettings): Component {
  const prefix = settings.MF_ETCD_PREFIX;
  const answers = async () => {
    try {
      if (!(await withEtcd(settings, 'anonymous', etcdAuthEnabled))) return false;
      return await withEtcd(settings, 'root', (etcd) => etcdAccessGranted(etcd, prefix));
    } catch {
      return false;
    }
  };
  return {
    name: 'etcd-auth',
    address: `roles under ${prefix}`,
    answers,
    start: () => grantLocalEtcdAccess(settings, prefix),
    stop() {},
  };
}
