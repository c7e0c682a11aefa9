import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, type RunningService } from '@microflack/common';
import { portOf, testConfig, waitFor } from '@microflack/common/testing';
import { SESSION_COOKIE } from '@microflack/haproxy';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { request } from './http.js';
import { connectWhoami, startSocketInstance, type WhoamiClient } from './socket-instance.js';

const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '5' });
const instances: RunningService[] = [];
const clients: WhoamiClient[] = [];
let balancer: TestBalancer;

const handshake = (cookie?: string) =>
  request(
    `${balancer.url}/socket.io/?EIO=4&transport=polling`,
    cookie ? { headers: { cookie } } : {},
  );

beforeAll(async () => {
  balancer = await startTestBalancer({
    etcdUrl: config.MF_ETCD_URL,
    prefix: config.MF_ETCD_PREFIX,
  });
  instances.push(await startSocketInstance(config), await startSocketInstance(config));
  const ports = new Set(instances.map(portOf));
  const seen = new Set<number>();
  await waitFor(
    async () => {
      const client = await connectWhoami(balancer.url, { transports: ['polling'] });
      seen.add(await client.emitWithAck('whoami'));
      client.disconnect();
      return [...ports].every((port) => seen.has(port));
    },
    { what: 'both Socket.IO instances to take sessions' },
  );
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(instances.map((instance) => instance.stop()));
  await balancer.stop();
});

describe('Socket.IO stickiness', () => {
  it("when a handshake goes through the balancer, then Socket.IO's session cookie comes back", async () => {
    const answer = await handshake();
    const sid = /"sid":"([^"]+)"/.exec(String(answer.body))?.[1] ?? '';

    expect(answer.headers['set-cookie']?.[0]).toMatch(
      new RegExp(`^${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax$`),
    );
  });

  it('when polls carry the cookie or only the session id, then every one reaches the instance that holds the session', async () => {
    const first = await handshake();
    const cookie = String(first.headers['set-cookie']?.[0]).split(';')[0] ?? '';
    const sid = /"sid":"([^"]+)"/.exec(String(first.body))?.[1] ?? '';
    // Each poll posts a pong packet ("3"): valid at any time, answered at once with "ok".
    const poll = (headers: Record<string, string>) =>
      request(`${balancer.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
        body: '3',
      });

    const sticky = [];
    for (let i = 0; i < 6; i++) sticky.push(await poll({ cookie }));
    const loose = [];
    for (let i = 0; i < 4; i++) loose.push(await poll({}));

    expect(sticky.map((answer) => answer.body)).toEqual(Array(6).fill('ok'));
    expect(loose.map((answer) => answer.body)).toEqual(Array(4).fill('ok'));
  });

  it('when a poll names a session no instance holds, then it is refused, not misrouted', async () => {
    const answer = await request(
      `${balancer.url}/socket.io/?EIO=4&transport=polling&sid=nobody-123`,
    );

    expect(answer.status).toBe(400);
  });

  it('when clients keep no cookie and only poll, then each still stays on one instance', async () => {
    const ports = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const client = await connectWhoami(balancer.url, { transports: ['polling'] });
        clients.push(client);
        const answers = [];
        for (let i = 0; i < 4; i++) answers.push(await client.emitWithAck('whoami'));
        expect(new Set(answers).size).toBe(1);
        return answers[0];
      }),
    );

    expect(new Set(ports)).toEqual(new Set(instances.map(portOf)));
  });

  it('when clients that keep no cookie connect with polling then upgrade, then each stays on one instance and both are used', async () => {
    const ports = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const client = await connectWhoami(balancer.url);
        clients.push(client);
        if (client.io.engine.transport.name !== 'websocket')
          await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
        const answers = [];
        for (let i = 0; i < 3; i++) answers.push(await client.emitWithAck('whoami'));
        expect(client.io.engine.transport.name).toBe('websocket');
        expect(new Set(answers).size).toBe(1);
        return answers[0];
      }),
    );

    expect(new Set(ports)).toEqual(new Set(instances.map(portOf)));
  });
});
