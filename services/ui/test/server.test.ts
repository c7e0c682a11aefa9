import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, registryKeys, startService, type RunningService } from '@microflack/common';
import { silentLogger, testConfig } from '@microflack/common/testing';
import { precompress } from '../src/build/precompress.js';
import { CONTENT_SECURITY_POLICY } from '../src/headers.js';
import { uiDefinition, uiEnv, uiRoute, type UiConfig } from '../src/definition.js';
import { IMMUTABLE } from '../src/routes.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET (or other method) that decodes nothing, so the bytes on the wire can be checked. */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const SCRIPT = `console.log(${JSON.stringify('chat '.repeat(400))});\n`;
const PAGE =
  '<!doctype html><html><head><title>MicroFlack</title></head><body></body></html>\n'.repeat(5);

let dir: string;
let config: UiConfig;
let ui: RunningService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-ui-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), PAGE);
  await writeFile(join(dir, 'assets', 'index-AbC123.js'), SCRIPT);
  await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await precompress(dir);
  config = testConfig(uiEnv, { UI_PUBLIC_DIR: dir, MF_DRAIN_TIMEOUT: '1' });
  ui = await startService({ ...uiDefinition(config), logger: silentLogger() });
});
afterAll(async () => {
  await ui.stop();
  const etcd = connectEtcd(config);
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the ui service', () => {
  it('when it starts, then it registers at / in the registry', async () => {
    const etcd = connectEtcd(config);
    const route = await etcd.get(registryKeys(config.MF_ETCD_PREFIX).serviceConfig('ui')).json();
    etcd.close();

    expect(route).toEqual(uiRoute);
    expect(uiRoute.location).toBe('/');
  });

  it('when / is asked for, then index.html comes back revalidated, with every hardening header', async () => {
    const response = await raw(`${ui.url}/`);

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(PAGE);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      vary: 'Accept-Encoding',
    });
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });

  it('when a hashed asset is asked for, then it may be cached for a year', async () => {
    const response = await raw(`${ui.url}/assets/index-AbC123.js`);

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe(IMMUTABLE);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.toString()).toBe(SCRIPT);
  });

  it('when the client accepts brotli, then the precompressed brotli form is sent', async () => {
    const response = await raw(`${ui.url}/assets/index-AbC123.js`, {
      'accept-encoding': 'gzip, deflate, br',
    });

    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['vary']).toBe('Accept-Encoding');
    expect(Number(response.headers['content-length'])).toBeLessThan(SCRIPT.length);
    expect(brotliDecompressSync(response.body).toString()).toBe(SCRIPT);
  });

  it('when the client accepts gzip only, then the gzip form is sent', async () => {
    const response = await raw(`${ui.url}/`, { 'accept-encoding': 'gzip' });

    expect(response.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(response.body).toString()).toBe(PAGE);
  });

  it('when the client revalidates with the ETag it got, then the answer is a 304 per representation', async () => {
    const first = await raw(`${ui.url}/`, { 'accept-encoding': 'br' });
    const etag = String(first.headers['etag']);

    const again = await raw(`${ui.url}/`, { 'accept-encoding': 'br', 'if-none-match': etag });
    const identity = await raw(`${ui.url}/`, { 'if-none-match': etag });

    expect(again.status).toBe(304);
    expect(identity.status).toBe(200);
  });

  it('when a place in the app is asked for, then the app is served (deep links and reloads work)', async () => {
    const response = await raw(`${ui.url}/chat/general`);

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(PAGE);
  });

  it.each(['/assets/missing-123.js', '/robots.txt', '/api/nothing', '/socket.io/x'])(
    'when %s does not exist, then the answer is the JSON 404, not the app',
    async (path) => {
      const response = await raw(`${ui.url}${path}`);

      expect(response.status).toBe(404);
      expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'not_found' });
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('when something other than GET or HEAD is sent, then it is a 404 and HEAD has no body', async () => {
    const post = await raw(`${ui.url}/`, {}, 'POST');
    const head = await raw(`${ui.url}/`, {}, 'HEAD');

    expect(post.status).toBe(404);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });
});
