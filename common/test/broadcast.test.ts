import { once } from 'node:events';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import {
  baseEnv,
  broadcastKey,
  Broadcaster,
  connectRedis,
  type ServerToClientEvents,
} from '@microflack/common';
import { nextEvent, portOf, silentLogger, testConfig } from '@microflack/common/testing';

const config = testConfig(baseEnv);
const logger = silentLogger();
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe('Broadcaster', () => {
  it('when a service broadcasts, then a client of a Socket.IO server on the Redis adapter receives it', async () => {
    const publisher = await connectRedis(config.REDIS_URL, logger);
    const subscriber = await connectRedis(config.REDIS_URL, logger);
    const emitterRedis = await connectRedis(config.REDIS_URL, logger);
    const http = createServer();
    const io = new Server<Record<string, never>, ServerToClientEvents>(http, {
      adapter: createAdapter(publisher, subscriber, { key: broadcastKey(config.MF_ETCD_PREFIX) }),
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const client = connect(`http://127.0.0.1:${portOf(http)}`, {
      transports: ['websocket'],
    });
    closers.push(
      () => emitterRedis.quit(),
      () => publisher.quit(),
      () => subscriber.quit(),
      () => io.close(),
      () => client.close(),
    );
    await nextEvent(client, 'connect');
    const updated = nextEvent(client, 'updated_model');
    const deleted = nextEvent(client, 'deleted_model');

    const broadcaster = new Broadcaster(emitterRedis, config.MF_ETCD_PREFIX, logger);
    broadcaster.updated('User', { id: 1, nickname: 'ann' });
    broadcaster.deleted(9);

    expect(await updated).toEqual([{ class: 'User', model: { id: 1, nickname: 'ann' } }]);
    expect(await deleted).toEqual([{ class: 'Message', id: 9 }]);
  });
});
