import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectEtcd, type Etcd3 } from '@microflack/common';
import { startPrivateEtcd, uniquePrefix, type PrivateEtcd } from '@microflack/common/testing';
import { Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdRoles, type EtcdPermission } from '../src/infra/etcd-access.js';
import { ETCD_USERS } from '../src/settings.js';

const run = promisify(execFile);
const COMPOSE = fileURLToPath(new URL('../../compose.yaml', import.meta.url));

/** The shell script of compose's `etcd-auth` service, as its container's shell gets it. */
function etcdAuthScript(): string {
  const compose = readFileSync(COMPOSE, 'utf8');
  const service = compose.slice(compose.indexOf('\n  etcd-auth:\n'));
  const block = /\n {4}command:\n {6}- \|\n((?: {8}.*\n)+)/.exec(service)?.[1];
  if (block === undefined) throw new Error('no etcd-auth command in compose.yaml');
  return block.replaceAll(/^ {8}/gm, '').replaceAll('$$', '$');
}

/** A permission etcd reports, as {@link etcdRoles} writes it. */
function asPlanned(permission: string, range: Range): EtcdPermission {
  const key = range.start.toString();
  const prefix = range.end.equals(Range.prefix(key).end);
  return { access: permission === 'Read' ? 'Read' : 'Readwrite', key, prefix };
}

const byKey = (a: EtcdPermission, b: EtcdPermission) => a.key.localeCompare(b.key);

let server: PrivateEtcd;
let root: Etcd3;
const prefix = uniquePrefix();
const password = (user: string) => `${user}-compose-password`;

beforeAll(async () => {
  server = await startPrivateEtcd();
  const passwords = Object.fromEntries(
    ETCD_USERS.map((user) => [`${user.toUpperCase()}_ETCD_PASSWORD`, password(user)]),
  );
  const env = {
    PATH: process.env['PATH'],
    ETCDCTL_API: '3',
    ETCDCTL_ENDPOINTS: server.url,
    MF_ETCD_PREFIX: prefix,
    ETCD_ROOT_PASSWORD: password('root'),
    ...passwords,
  };
  await run('sh', ['-c', etcdAuthScript()], { env });
  root = connectEtcd({
    MF_ETCD_URL: [server.url],
    MF_ETCD_USER: 'root',
    MF_ETCD_PASSWORD: password('root'),
  });
}, 120_000); // some sixty etcdctl runs, each a process and, for a user, a bcrypt hash

afterAll(async () => {
  root.close();
  await server.dispose();
});

describe("compose's etcd-auth service", () => {
  it('when it has run, then every user has the role the local runtime grants, with the same permissions', async () => {
    for (const role of etcdRoles(prefix)) {
      const granted = (await root.role(role.name).permissions()).map((p) =>
        asPlanned(p.permission, p.range),
      );

      expect(granted.sort(byKey), role.name).toEqual([...role.permissions].sort(byKey));
      expect((await root.user(role.user).roles()).map((r) => r.name)).toContain(role.name);
    }
  });

  it('when a client does not authenticate, then etcd refuses it', async () => {
    const anonymous = connectEtcd([server.url]);
    try {
      await expect(anonymous.get(`${prefix}/balancer`).string()).rejects.toThrow(
        /user name is empty/,
      );
    } finally {
      anonymous.close();
    }
  });
});
