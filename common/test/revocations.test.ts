import { afterAll, describe, expect, it } from 'vitest';
import {
  baseEnv,
  connectEtcd,
  RevocationSet,
  TokenError,
  TokenKeys,
  verifyToken,
} from '@microflack/common';
import { silentLogger, testConfig, waitFor } from '@microflack/common/testing';

const config = testConfig(baseEnv);
const etcd = connectEtcd(config);

afterAll(async () => {
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

describe('RevocationSet', () => {
  it('when one instance revokes a token, then another refuses it within 1 s', async () => {
    const here = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());
    const elsewhere = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());

    await here.revoke('jti-1', Date.now() + 60_000);

    await waitFor(() => elsewhere.has('jti-1'), {
      timeoutMs: 1000,
      what: 'the revocation to arrive',
    });
    await Promise.all([here.close(), elsewhere.close()]);
  });

  it('when a set starts after revocations were made, then it knows them', async () => {
    const first = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());
    await first.revoke('jti-2', Date.now() + 60_000);

    const later = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());

    expect(later.has('jti-2')).toBe(true);
    expect(later.has('never-revoked')).toBe(false);
    await Promise.all([first.close(), later.close()]);
  });

  it('when a revocation is written, then its key lives only as long as the token', async () => {
    const set = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());

    await set.revoke('jti-3', Date.now() + 30_000);

    const key = `${config.MF_ETCD_PREFIX}/revoked/jti-3`;
    const lease = await etcd.get(key).exec();
    const leaseId = lease.kvs[0]?.lease;
    expect(leaseId).toBeDefined();
    const ttl = await etcd.leaseClient.leaseTimeToLive({ ID: leaseId ?? '0' });
    expect(Number(ttl.TTL)).toBeGreaterThan(25);
    expect(Number(ttl.TTL)).toBeLessThanOrEqual(30);
    await set.close();
  });

  it('when a user is signed out everywhere, then another instance refuses their earlier tokens within 1 s and accepts later ones', async () => {
    const keys = new TokenKeys(config.JWT_SECRET_KEY, 60);
    const here = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());
    const elsewhere = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());
    const auth = { keys, revoked: elsewhere };
    const before = keys.sign(41).token;
    const otherUser = keys.sign(42).token;

    await here.revokeUser(41, 60);
    const after = keys.sign(41).token;

    await waitFor(() => elsewhere.signedOutAt(41) !== undefined, {
      timeoutMs: 1000,
      what: 'the sign-out to arrive',
    });
    expect(() => verifyToken(auth, before)).toThrow(TokenError);
    expect(() => verifyToken(auth, before)).toThrow(/revoked/);
    expect(verifyToken(auth, after).user_id).toBe(41);
    expect(verifyToken(auth, otherUser).user_id).toBe(42);
    const later = await RevocationSet.start(etcd, config.MF_ETCD_PREFIX, silentLogger());
    expect(later.signedOutAt(41)).toBe(elsewhere.signedOutAt(41));
    await Promise.all([here.close(), elsewhere.close(), later.close()]);
  });
});
