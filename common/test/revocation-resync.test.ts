import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, RevocationSet, type Etcd3 } from '@microflack/common';
import {
  silentLogger,
  startPrivateEtcd,
  startTcpProxy,
  uniquePrefix,
  type TcpProxy,
} from '@microflack/common/testing';

type PrivateEtcd = Awaited<ReturnType<typeof startPrivateEtcd>>;
const later = () => Date.now() + 60_000;
let server: PrivateEtcd;
let direct: Etcd3;

beforeAll(async () => {
  server = await startPrivateEtcd();
  direct = connectEtcd([server.url]);
});
afterAll(async () => {
  direct.close();
  await server.dispose();
});

describe('RevocationSet on an etcd that changes under it', () => {
  let proxy: TcpProxy;
  afterAll(async () => proxy.close());

  it('when its watch comes back after the history it needs was compacted, then it reads the set again and keeps following', async () => {
    const prefix = uniquePrefix();
    proxy = await startTcpProxy(new URL(server.url).host);
    const cutOff = connectEtcd([proxy.url]);
    const set = await RevocationSet.start(cutOff, prefix, silentLogger());
    const writer = await RevocationSet.start(direct, prefix, silentLogger());

    await proxy.cut();
    await writer.revoke('while-away', later());
    // Compacting at a later revision drops the history of the revocation the set missed.
    const { header } = await direct.put(`${prefix}/elsewhere`).value('').exec();
    await direct.kv.compact({ revision: header.revision, physical: true });
    await proxy.restore();
    await expect.poll(() => set.has('while-away'), { timeout: 5000 }).toBe(true);
    await writer.revoke('after', later());

    await expect.poll(() => set.has('after'), { timeout: 2000 }).toBe(true);
    await Promise.all([set.close(), writer.close()]);
    cutOff.close();
  });

  it('when etcd comes back with its data lost, then it forgets what etcd forgot and follows the new history', async () => {
    const prefix = uniquePrefix();
    const etcd = connectEtcd([server.url]);
    const set = await RevocationSet.start(etcd, prefix, silentLogger());
    // Enough history that the wiped etcd starts far behind what the set has seen.
    for (let n = 0; n < 20; n++) await set.revoke(`before-${n}`, later());

    await server.kill();
    await server.start({ wipe: true });
    const fresh = connectEtcd([server.url]);
    await fresh.put(`${prefix}/revoked/after-wipe`).value('');

    await expect.poll(() => set.has('after-wipe'), { timeout: 5000 }).toBe(true);
    expect(set.has('before-0')).toBe(false);
    await set.close();
    fresh.close();
    etcd.close();
  });
});
