import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, type RunningService } from '@microflack/common';
import { portOf, startStandIn, testConfig, waitFor } from '@microflack/common/testing';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { selfSigned } from './certificate.js';
import { request, routedTo } from './http.js';
import { connectWhoami, startSocketInstance, type WhoamiClient } from './socket-instance.js';

const config = testConfig(baseEnv, { MF_DRAIN_TIMEOUT: '5' });
const scratch = mkdtempSync(join(tmpdir(), 'mf-https-'));
const instances: RunningService[] = [];
const clients: WhoamiClient[] = [];
let balancer: TestBalancer;
let httpsUrl: string;
/** The self-signed certificate of 127.0.0.1 the load balancer presents. */
let ca: string;

beforeAll(async () => {
  const { pem, certificate } = await selfSigned(scratch);
  ca = certificate;
  balancer = await startTestBalancer({
    etcdUrl: config.MF_ETCD_URL,
    prefix: config.MF_ETCD_PREFIX,
    https: { certificate: pem, redirect: true, hstsMaxAgeSeconds: 600 },
  });
  httpsUrl = balancer.httpsUrl ?? '';
  const [plain, socketA, socketB] = await Promise.all([
    startStandIn(config, 'plain'),
    startSocketInstance(config),
    startSocketInstance(config),
  ]);
  instances.push(plain, socketA, socketB);
  await routedTo(`${balancer.url}/api/plain`, portOf(plain), 10_000);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(instances.map((instance) => instance.stop()));
  await balancer.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('HTTPS', () => {
  it('when a request comes over HTTPS, then it is routed, with X-Forwarded-Proto and HSTS', async () => {
    const answer = await request(`${httpsUrl}/api/plain/x`, { ca });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ service: 'plain', path: '/api/plain/x' });
    expect(answer.headers['strict-transport-security']).toBe('max-age=600');
  });

  it('when a page is asked over HTTP, then it is redirected to the same path over HTTPS', async () => {
    const answer = await request(`${balancer.url}/index.html?x=1`);

    expect(answer.status).toBe(308);
    expect(answer.headers.location).toBe(`${httpsUrl}/index.html?x=1`);
    expect(answer.headers['strict-transport-security']).toBeUndefined();
  });

  it('when the API is called over HTTP (the services call each other so), then it is not redirected', async () => {
    const answer = await request(`${balancer.url}/api/plain`);

    expect(answer.status).toBe(200);
    expect(answer.headers['strict-transport-security']).toBeUndefined();
  });

  it("when Socket.IO's handshake comes over HTTPS, then its session cookie is Secure", async () => {
    const handshake = () => request(`${httpsUrl}/socket.io/?EIO=4&transport=polling`, { ca });
    await waitFor(async () => (await handshake()).status === 200, {
      what: 'Socket.IO to be routed over HTTPS',
    });

    expect((await handshake()).headers['set-cookie']?.[0]).toMatch(/^io=[^;]+; .*; Secure$/);
  });

  it.each([
    ['WebSocket only (wss)', ['websocket']],
    ['polling, then upgraded to wss', ['polling', 'websocket']],
  ])(
    'when a Socket.IO client connects over %s, then it stays on one instance',
    async (_how, transports) => {
      const client = await connectWhoami(httpsUrl, { transports, ca });
      clients.push(client);
      const first = await client.emitWithAck('whoami');
      await waitFor(() => client.io.engine.transport.name === 'websocket', {
        what: 'the client to be on a WebSocket',
      });

      expect(await client.emitWithAck('whoami')).toBe(first);
      expect(instances.map(portOf)).toContain(first);
    },
  );
});
