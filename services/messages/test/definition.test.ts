import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  broadcastKey,
  connectEtcd,
  connectRedis,
  registryKeys,
  startService,
  TokenKeys,
  type Redis,
  type RunningService,
} from '@microflack/common';
import {
  freshDatabase,
  nextEvent,
  silentLogger,
  testConfig,
  type TestDatabase,
} from '@microflack/common/testing';
import { messagesDefinition, messagesEnv, type MessagesConfig } from '../src/definition.js';

let database: TestDatabase;
let config: MessagesConfig;
let instance: RunningService;
let subscriber: Redis;

beforeAll(async () => {
  database = await freshDatabase();
  config = testConfig(messagesEnv, { DATABASE_URL: database.url });
  instance = await startService({ ...messagesDefinition(config), logger: silentLogger() });
  subscriber = await connectRedis(config.REDIS_URL, silentLogger());
});
afterAll(async () => {
  await instance.stop();
  await subscriber.quit();
  const etcd = connectEtcd(config);
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
  await database.drop();
});

describe('the messages service', () => {
  it('when started, then it registers with its route and serves /healthz', async () => {
    const etcd = connectEtcd(config);
    const keys = registryKeys(config.MF_ETCD_PREFIX);

    const route = await etcd.get(keys.serviceConfig('messages')).json();
    const record = await etcd.get(instance.registration.key).json();
    etcd.close();

    expect(route).toEqual({
      location: '/api/messages',
      extra_locations: ['/api/channels'],
      balance: 'roundrobin',
      sticky: false,
    });
    expect(record).toMatchObject({ service: 'messages', id: instance.instance.id });
    expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
  });

  it("when a message is posted, then it is published on this platform's own Socket.IO channel", async () => {
    await subscriber.psubscribe(`${broadcastKey(config.MF_ETCD_PREFIX)}#*`);
    const published = nextEvent<[Buffer, Buffer, Buffer]>(subscriber, 'pmessageBuffer');
    const token = new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL).sign(7).token;

    const response = await fetch(`${instance.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'over the wire' }),
    });

    expect(response.status).toBe(201);
    const [, channel, payload] = await published;
    expect(channel.toString()).toMatch(new RegExp(`^socket\\.io/mftest-[0-9a-f]+#/#`));
    expect(payload.toString('latin1')).toContain('over the wire');
  });
});
