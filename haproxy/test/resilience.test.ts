import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  baseEnv,
  connectEtcd,
  registryKeys,
  type BaseConfig,
  type RunningService,
} from '@microflack/common';
import { portOf, startPrivateEtcd, startStandIn, testConfig } from '@microflack/common/testing';
import { renderConfig } from '@microflack/haproxy';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { request, routedTo } from './http.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startBalancer(
  config: BaseConfig,
  render?: typeof renderConfig,
): Promise<TestBalancer> {
  const balancer = await startTestBalancer({
    etcdUrl: config.MF_ETCD_URL,
    prefix: config.MF_ETCD_PREFIX,
    render,
  });
  cleanups.push(() => balancer.stop());
  return balancer;
}

async function standIn(config: BaseConfig, name: string): Promise<RunningService> {
  const instance = await startStandIn(config, name);
  cleanups.push(() => instance.stop());
  return instance;
}

function routedToSteady(balancer: TestBalancer, port: number): Promise<void> {
  return routedTo(`${balancer.url}/api/steady`, port, 10_000);
}

/** `count` requests one after another; the statuses seen. */
async function statuses(url: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await request(url)).status);
  return seen;
}

describe('a configuration HAProxy refuses', () => {
  it('when a render fails validation, then the last good configuration keeps serving and later changes still apply', async () => {
    const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '5' });
    const etcd = connectEtcd(config);
    cleanups.push(async () => {
      await etcd.delete().prefix(config.MF_ETCD_PREFIX);
      etcd.close();
    });
    // A renderer with a bug that shows only when a service named "broken" is registered.
    const balancer = await startBalancer(config, (snapshot, settings) => {
      const text = renderConfig(snapshot, settings);
      const broken = snapshot.services.some((service) => service.name === 'broken');
      return broken ? `${text}\nbackend broken\n    no-such-keyword\n` : text;
    });
    const first = await standIn(config, 'steady');
    await routedToSteady(balancer, portOf(first));
    await balancer.watcher.settled();
    const reloads = balancer.watcher.reloads;

    const rejected = once(balancer.watcher, 'rejected') as Promise<[string]>;
    await etcd
      .put(registryKeys(config.MF_ETCD_PREFIX).serviceConfig('broken'))
      .value(JSON.stringify({ location: '/api/broken', balance: 'roundrobin', sticky: false }));
    const [reason] = await rejected;

    expect(reason).toMatch(/no-such-keyword/);
    expect(balancer.watcher.reloads).toBe(reloads);
    expect(await statuses(`${balancer.url}/api/steady`, 10)).toEqual(Array(10).fill(200));

    await etcd.delete().key(registryKeys(config.MF_ETCD_PREFIX).serviceConfig('broken'));
    const second = await standIn(config, 'steady');
    await routedToSteady(balancer, portOf(second));
  });
});

describe('etcd away', () => {
  it('when etcd dies, then HAProxy serves on; when it comes back empty, then the registry is followed again', async () => {
    const privateEtcd = await startPrivateEtcd();
    cleanups.push(() => privateEtcd.dispose());
    const config = testConfig(baseEnv, {
      MF_ETCD_URL: privateEtcd.url,
      MF_LEASE_TTL: '2',
      MF_DRAIN_TIMEOUT: '3',
    });
    const balancer = await startBalancer(config);
    const first = await standIn(config, 'steady');
    await routedToSteady(balancer, portOf(first));

    await privateEtcd.kill();
    const whileAway = await statuses(`${balancer.url}/api/steady`, 50);
    const reRegistered = once(first.registration, 'registered');
    await privateEtcd.start({ wipe: true });
    await reRegistered;
    const second = await standIn(config, 'steady');

    expect(whileAway).toEqual(Array(50).fill(200));
    await routedToSteady(balancer, portOf(second));
    await routedToSteady(balancer, portOf(first));
  });

  it('when etcd comes back without its data, then the last registry stays routed, with no reload, until the hold ends', async () => {
    const privateEtcd = await startPrivateEtcd();
    cleanups.push(() => privateEtcd.dispose());
    const config = testConfig(baseEnv, { MF_ETCD_URL: privateEtcd.url, MF_LEASE_TTL: '2' });
    const balancer = await startBalancer(config);
    // An instance registered in the shared etcd, copied into this registry by hand: once this
    // etcd forgets it, nothing registers it again, so what the balancer routes is the hold alone.
    const elsewhere = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '3' });
    const steady = await standIn(elsewhere, 'steady');
    await copyRegistry(elsewhere, config);
    await routedToSteady(balancer, portOf(steady));
    await balancer.watcher.settled();
    const reloads = balancer.watcher.reloads;
    const revision = await currentRevision(config);

    await privateEtcd.kill();
    const followedWipedEtcd = syncedBelow(balancer, revision);
    await privateEtcd.start({ wipe: true });
    await followedWipedEtcd;

    expect(await statuses(`${balancer.url}/api/steady`, 20)).toEqual(Array(20).fill(200));
    expect(balancer.watcher.reloads).toBe(reloads);
    // The hold (two lease TTLs) ends: the registry is followed as it is, without the service.
    await expect
      .poll(async () => (await request(`${balancer.url}/api/steady`)).status, { timeout: 15_000 })
      .not.toBe(200);
  });
});

/** Copies the registry under `from`'s prefix into `to`'s etcd and prefix (plain keys, no lease). */
async function copyRegistry(from: BaseConfig, to: BaseConfig): Promise<void> {
  const [source, target] = [connectEtcd(from), connectEtcd(to)];
  try {
    const root = registryKeys(from.MF_ETCD_PREFIX).services;
    const entries = await source.getAll().prefix(root).strings();
    for (const [key, value] of Object.entries(entries)) {
      const path = key.slice(root.length);
      await target.put(`${registryKeys(to.MF_ETCD_PREFIX).services}${path}`).value(value);
    }
  } finally {
    source.close();
    target.close();
  }
}

async function currentRevision(config: BaseConfig): Promise<bigint> {
  const etcd = connectEtcd(config);
  try {
    return BigInt((await etcd.get('/revision-probe').exec()).header.revision);
  } finally {
    etcd.close();
  }
}

/** Resolves once the watcher synced a registry older than `revision` (an etcd that lost its data). */
function syncedBelow(balancer: TestBalancer, revision: bigint): Promise<void> {
  return new Promise((resolve) => {
    const listener = (synced: string) => {
      if (BigInt(synced) >= revision) return;
      balancer.watcher.off('synced', listener);
      resolve();
    };
    balancer.watcher.on('synced', listener);
  });
}
