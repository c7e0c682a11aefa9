import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, connectEtcd, registryKeys, type RunningService } from '@microflack/common';
import {
  churnRegistrations,
  portOf,
  startStandIn,
  testConfig,
  waitFor,
} from '@microflack/common/testing';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { routedTo } from './http.js';
import { connectWhenRouted, startSocketInstance, type WhoamiClient } from './socket-instance.js';

const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '5' });
const keys = registryKeys(config.MF_ETCD_PREFIX);
const etcd = connectEtcd(config);
const running: RunningService[] = [];
let balancer: TestBalancer;
let client: WhoamiClient;
let other: RunningService;

/** Reloads the HAProxy master has done (`show proc`), whoever asked for them. */
async function masterReloads(): Promise<number> {
  return (await balancer.master.processes()).reloads;
}

beforeAll(async () => {
  balancer = await startTestBalancer({
    etcdUrl: config.MF_ETCD_URL,
    prefix: config.MF_ETCD_PREFIX,
  });
  other = await startStandIn(config, 'other');
  const socketio = await startSocketInstance(config);
  running.push(other, socketio);
  await routedTo(`${balancer.url}/api/other`, portOf(other));
  client = await connectWhenRouted(balancer.url);
  if (client.io.engine.transport.name !== 'websocket')
    await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
  await balancer.watcher.settled();
}, 60_000);
afterAll(async () => {
  client.disconnect();
  await Promise.all(running.map((instance) => instance.stop()));
  await balancer.stop();
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

describe('instances change without reloads', () => {
  it('when instances of another service and of its own come and go 20 times each, then an established WebSocket stays and HAProxy is not reloaded', async () => {
    const port = await client.emitWithAck('whoami');
    let disconnects = 0;
    client.on('disconnect', () => disconnects++);
    const [reloads, masterBefore] = [balancer.watcher.reloads, await masterReloads()];

    await churnRegistrations(config, 'other', 10);
    for (let i = 0; i < 10; i++) {
      const sibling = await startSocketInstance(config);
      await sibling.stop();
    }
    await balancer.watcher.settled();

    expect(disconnects).toBe(0);
    expect(client.io.engine.transport.name).toBe('websocket');
    expect(await client.emitWithAck('whoami')).toBe(port);
    expect(balancer.watcher.reloads).toBe(reloads);
    expect(await masterReloads()).toBe(masterBefore);
    expect(balancer.watcher.runtimeSyncs).toBeGreaterThan(0);
  }, 120_000);

  it('when a service changes its routing config, then HAProxy is reloaded', async () => {
    const reloads = await masterReloads();

    await etcd
      .put(keys.serviceConfig('other'))
      .value(JSON.stringify({ location: '/api/other', balance: 'leastconn', sticky: false }));

    await waitFor(async () => (await masterReloads()) > reloads, {
      what: 'HAProxy to reload for the new config',
    });
    await balancer.watcher.settled();
  });

  it('when a change cannot be applied at run time, then a validated reload applies it instead', async () => {
    const fallbacks = balancer.watcher.fallbacks;
    const reloads = balancer.watcher.reloads;
    const fallback = once(balancer.watcher, 'fallback') as Promise<[string]>;

    // A host name that does not resolve: the runtime API cannot add it, a configuration can
    // (`init-addr none` keeps the server in maintenance until its name resolves).
    const id = 'other-0.0.0-0badf00d';
    await etcd.put(keys.instance('other', id)).value(
      JSON.stringify({
        id,
        service: 'other',
        version: '0.0.0',
        address: 'no-such-host.invalid:8000',
        started_at: 1,
      }),
    );
    await fallback;
    await balancer.watcher.settled();

    expect(balancer.watcher.fallbacks).toBe(fallbacks + 1);
    expect(balancer.watcher.reloads).toBe(reloads + 1);
    await routedTo(`${balancer.url}/api/other`, portOf(other));
  });
});
