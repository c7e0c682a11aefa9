import { fileURLToPath } from 'node:url';
import { connectEtcd, registryKeys, type Etcd3 } from '@microflack/common';
import {
  spawnInstance,
  startPrivateEtcd,
  TEST_JWT_SECRET_KEY,
  uniquePrefix,
  type PrivateEtcd,
} from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdRoles, grantEtcdAccess } from '../src/infra/etcd-access.js';

const UI_MAIN = fileURLToPath(new URL('../../services/ui/dist/main.js', import.meta.url));
const prefix = uniquePrefix();
const keys = registryKeys(prefix);
const passwordOf = (user: string) => `${user}-password-for-tests`;

let server: PrivateEtcd;
const clients: Etcd3[] = [];

/** A client of the private etcd as `user` (its password from {@link passwordOf}). */
function as(user: string, password = passwordOf(user)): Etcd3 {
  const etcd = connectEtcd({
    MF_ETCD_URL: [server.url],
    MF_ETCD_USER: user,
    MF_ETCD_PASSWORD: password,
  });
  clients.push(etcd);
  return etcd;
}

beforeAll(async () => {
  server = await startPrivateEtcd();
  const anonymous = connectEtcd([server.url]);
  try {
    await grantEtcdAccess(anonymous, prefix, passwordOf);
  } finally {
    anonymous.close();
  }
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server.dispose();
});

describe('etcdRoles', () => {
  it('when planned, then each service writes its own keys, tokens and users the revocations, the watcher the load balancer key', () => {
    const writes = Object.fromEntries(
      etcdRoles('/p').map((role) => [
        role.name,
        role.permissions
          .filter((p) => p.access === 'Readwrite')
          .map((p) => `${p.key}${p.prefix ? '*' : ''}`),
      ]),
    );

    expect(writes).toEqual({
      'ui@/p': ['/p/services/ui/*'],
      'users@/p': ['/p/services/users/*', '/p/revoked-users/*'],
      'tokens@/p': ['/p/services/tokens/*', '/p/revoked/*', '/p/revoked-users/*'],
      'messages@/p': ['/p/services/messages/*'],
      'socketio@/p': ['/p/services/socketio/*'],
      'balancer@/p': ['/p/balancer'],
    });
  });
});

describe('etcd with authentication', () => {
  it('when a client does not authenticate, then etcd refuses it', async () => {
    const anonymous = connectEtcd([server.url]);
    clients.push(anonymous);

    await expect(anonymous.get(keys.balancer).string()).rejects.toThrow(/user name is empty/);
    await expect(anonymous.put(keys.serviceConfig('users')).value('{}')).rejects.toThrow();
  });

  it('when a password is wrong, then etcd refuses the client', async () => {
    await expect(as('users', 'not-the-password').get(keys.balancer).string()).rejects.toThrow(
      /authentication failed/,
    );
  });

  it("when a service writes its own keys, then etcd takes them; another service's keys, it refuses", async () => {
    const users = as('users');

    await users.put(keys.serviceConfig('users')).value('{}');
    await users.lease(5).put(keys.instance('users', 'users-1-0000aaaa')).value('{}');
    await expect(users.put(keys.serviceConfig('tokens')).value('{}')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      users.put(keys.instance('tokens', 'tokens-1-0000aaaa')).value('{}'),
    ).rejects.toThrow(/permission denied/);
    await expect(users.put(keys.balancer).value('{}')).rejects.toThrow(/permission denied/);
  });

  it('when a service revokes, then only tokens may revoke a token and only tokens and users sign a user out', async () => {
    await as('tokens').put(keys.revokedToken('jti-1')).value('');
    await as('tokens').put(keys.revokedUser(1)).value('1');
    await as('users').put(keys.revokedUser(2)).value('2');

    for (const service of ['users', 'messages', 'socketio', 'ui']) {
      await expect(as(service).put(keys.revokedToken('jti-2')).value('')).rejects.toThrow(
        /permission denied/,
      );
    }
    for (const service of ['messages', 'socketio', 'ui']) {
      await expect(as(service).put(keys.revokedUser(3)).value('3')).rejects.toThrow(
        /permission denied/,
      );
    }
    expect(await as('messages').getAll().prefix(keys.revoked).keys()).toEqual([
      keys.revokedToken('jti-1'),
    ]);
  });

  it("when the watcher writes, then it may write only the load balancer's key, and read every service", async () => {
    const balancer = as('balancer');

    await balancer.put(keys.balancer).value('{"revision":"1"}');
    await expect(balancer.put(keys.serviceConfig('users')).value('{}')).rejects.toThrow(
      /permission denied/,
    );
    expect(await balancer.getAll().prefix(keys.services).keys()).toContain(
      keys.serviceConfig('users'),
    );
  });

  it('when access is granted again (root, authentication on), then nothing changes', async () => {
    await grantEtcdAccess(as('root'), prefix, passwordOf);

    expect(await as('ui').get(keys.balancer).string()).toBe('{"revision":"1"}');
  });

  it('when a service process starts with its own credentials, then it registers and stops cleanly', async () => {
    const ui = await spawnInstance({
      main: UI_MAIN,
      service: 'ui',
      config: {
        MF_ETCD_URL: [server.url],
        MF_ETCD_USER: 'ui',
        MF_ETCD_PASSWORD: passwordOf('ui'),
        MF_ETCD_PREFIX: prefix,
        JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
        REDIS_URL: 'redis://127.0.0.1:16379',
      },
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'silent', MF_DRAIN_TIMEOUT: '2' },
    });
    ui.child.kill('SIGTERM');

    expect(await ui.exited).toBe(0);
    expect(await as('root').getAll().prefix(keys.instances('ui')).keys()).toEqual([]);
  });
});
