import type { ServerResponse } from 'node:http';
import { BlockList } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressPolicy, BlockedAddressError, type BlockedRanges } from '../src/address-policy.js';
import { fetchPage, PageFetchError, PREVIEW_LIMITS } from '../src/page-fetch.js';
import { pageMeta } from '../src/page-meta.js';
import { MessagesWorld, messageList, messageShape } from './helpers.js';
import { html, redirect, startPageServer, type PageServer } from './page-server.js';

const OG_PAGE = `<html><head>
  <title>Plain title</title>
  <meta property="og:title" content="The &amp; OG title">
  <meta property="og:description" content="What it is about">
</head><body>hello</body></html>`;
const PLAIN_PAGE = `<title>Only a title</title><meta name="description" content="Meta description">`;
const EVIL_PAGE = `<title>x</title>
  <meta property="og:title" content="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">
  <meta name="description" content="<img src=x onerror=alert(1)>">`;

let pages: PageServer;
let held: ServerResponse | undefined;
let heldArrived: () => void = () => undefined;

beforeAll(async () => {
  pages = await startPageServer({
    '/og': html(OG_PAGE),
    '/plain': html(PLAIN_PAGE),
    '/evil': html(EVIL_PAGE),
    '/redirect': redirect('/og'),
    '/loop': redirect('/loop'),
    '/json': html('{"title": "no"}', 'application/json'),
    '/huge': html(`<p>${'x'.repeat(600 * 1024)}</p><title>too late</title>`),
    '/held': (_req, res) => {
      held = res;
      heldArrived();
    },
    '/silent': () => undefined,
    '/to-other-loopback': (_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.2:${pages.port}/og` }).end(),
  });
});
afterAll(async () => {
  await pages.close();
});

const open = addressPolicy(true);
const guarded = addressPolicy(false);

describe('fetchPage', () => {
  it('when the page is HTML, then its title and description are read, og: first', async () => {
    expect(pageMeta(await fetchPage(`${pages.url}/og`, open))).toEqual({
      title: 'The & OG title',
      description: 'What it is about',
    });
    expect(pageMeta(await fetchPage(`${pages.url}/plain`, open))).toEqual({
      title: 'Only a title',
      description: 'Meta description',
    });
  });

  it('when the page redirects, then the redirect is followed; a loop stops', async () => {
    expect(pageMeta(await fetchPage(`${pages.url}/redirect`, open)).title).toBe('The & OG title');
    await expect(fetchPage(`${pages.url}/loop`, open)).rejects.toThrow(PageFetchError);
  });

  it('when the page is not text/html or not 200, then it is refused', async () => {
    await expect(fetchPage(`${pages.url}/json`, open)).rejects.toThrow(/not an HTML page/);
    await expect(fetchPage(`${pages.url}/missing`, open)).rejects.toThrow(/not an HTML page/);
  });

  it('when the page is bigger than 512 KiB, then only 512 KiB are read', async () => {
    const page = await fetchPage(`${pages.url}/huge`, open);

    expect(Buffer.byteLength(page)).toBeLessThanOrEqual(PREVIEW_LIMITS.maxBytes);
    expect(pageMeta(page).title).toBeUndefined();
  });

  it('when the page never answers, then the fetch gives up at its timeout', async () => {
    const limits = { ...PREVIEW_LIMITS, timeoutMs: 200 };

    await expect(fetchPage(`${pages.url}/silent`, open, limits)).rejects.toThrow();
  });

  it.each([
    ['a loopback literal', () => `${pages.url}/og`],
    ['localhost (resolved)', () => `http://localhost:${pages.port}/og`],
    ['an IPv6 loopback literal', () => `http://[::1]:${pages.port}/og`],
    ['an IPv4-mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${pages.port}/og`],
    ['a hex-encoded IPv4', () => `http://0x7f000001:${pages.port}/og`],
    ['a decimal-encoded IPv4', () => `http://2130706433:${pages.port}/og`],
    ['a private-range literal', () => 'http://10.1.2.3/'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['an IPv6 unique-local literal', () => 'http://[fd00::1]/'],
    ['an IPv6 link-local literal', () => 'http://[fe80::1]/'],
    ['the unspecified address', () => `http://0.0.0.0:${pages.port}/og`],
  ])(
    'when the link points at %s without PREVIEW_ALLOW_PRIVATE, then it is refused before any request',
    async (_what, url) => {
      const hitsBefore = pages.hits.length;

      await expect(fetchPage(url(), guarded)).rejects.toThrow(BlockedAddressError);
      expect(pages.hits).toHaveLength(hitsBefore);
    },
  );

  it('when a redirect leads to a refused address, then that hop is refused', async () => {
    const only127002 = addressPolicy(false, blockOnly('127.0.0.2'));

    await expect(fetchPage(`${pages.url}/to-other-loopback`, only127002)).rejects.toThrow(
      BlockedAddressError,
    );
    await expect(fetchPage(`${pages.url}/og`, only127002)).resolves.toContain('OG title');
  });

  it('when the link is not http(s), then it is refused', async () => {
    await expect(fetchPage('ftp://example.com/', open)).rejects.toThrow(PageFetchError);
  });
});

function blockOnly(address: string): BlockedRanges {
  const ipv4 = new BlockList();
  ipv4.addAddress(address);
  return { ipv4, ipv6: new BlockList() };
}

describe('previews of posted messages', () => {
  let world: MessagesWorld;
  beforeAll(async () => {
    world = await MessagesWorld.create({ allowPrivate: true });
  });
  afterAll(async () => {
    await world.close();
  });

  const post = (source: string, token = world.user().token) => world.post(token, source);

  it('when a message has a link, then after the response a preview block is saved and broadcast', async () => {
    const message = await post(`look ${pages.url}/og`);
    expect(message.html).not.toContain('<blockquote>');

    await world.previews.settled();

    const stored = messageShape.parse(
      (await request(world.app).get(`/api/messages/${message.id}`)).body,
    );
    expect(stored.html).toBe(
      `${message.html}<blockquote><p><a href="${pages.url}/og" rel="nofollow noopener noreferrer" target="_blank"><strong>The &amp; OG title</strong></a><br />What it is about</p></blockquote>`,
    );
    expect(stored.updated_at).toBeGreaterThanOrEqual(message.updated_at);
    expect(world.events.updates.at(-1)).toEqual(stored);
    const caughtUp = await request(world.app).get(
      `/api/messages?updated_since=${message.updated_at}`,
    );
    expect(messageList.parse(caughtUp.body).messages).toContainEqual(stored);
  });

  it('when a page title or description carries markup, then it is escaped', async () => {
    const message = await post(`${pages.url}/evil`);
    await world.previews.settled();

    const stored = messageShape.parse(
      (await request(world.app).get(`/api/messages/${message.id}`)).body,
    );
    expect(stored.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(stored.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(stored.html).not.toMatch(/<script|<img/i);
  });

  it('when a message has four links, then only the first three are fetched', async () => {
    const links = ['og', 'plain', 'evil', 'redirect'].map((path) => `${pages.url}/${path}?n=4`);
    const hitsBefore = pages.hits.length;

    await post(links.join(' '));
    await world.previews.settled();

    expect(pages.hits.slice(hitsBefore).sort()).toEqual(['/evil?n=4', '/og?n=4', '/plain?n=4']);
  });

  it('when the message is edited before its preview arrives, then the stale preview is dropped', async () => {
    const author = world.user();
    const arrived = new Promise<void>((resolve) => (heldArrived = resolve));
    const message = await post(`${pages.url}/held`, author.token);
    await arrived;

    const edited = await request(world.app)
      .put(`/api/messages/${message.id}`)
      .auth(author.token, { type: 'bearer' })
      .send({ source: 'no links any more' });
    held?.writeHead(200, { 'content-type': 'text/html' }).end(OG_PAGE);
    await world.previews.settled();

    const stored = messageShape.parse(
      (await request(world.app).get(`/api/messages/${message.id}`)).body,
    );
    expect(stored).toEqual(edited.body);
  });
});

describe('previews without PREVIEW_ALLOW_PRIVATE', () => {
  it('when a message links a loopback page, then nothing is fetched and no preview is added', async () => {
    const world = await MessagesWorld.create({ allowPrivate: false });
    const hitsBefore = pages.hits.length;

    const response = await request(world.app)
      .post('/api/messages')
      .auth(world.user().token, { type: 'bearer' })
      .send({ source: `${pages.url}/og` });
    await world.previews.settled();

    const stored = await request(world.app).get(
      `/api/messages/${messageShape.parse(response.body).id}`,
    );
    expect(stored.body).toEqual(response.body);
    expect(pages.hits).toHaveLength(hitsBefore);
    await world.close();
  });
});
