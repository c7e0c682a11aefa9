import type { LookupAddress } from 'node:dns';
import type { ServerResponse } from 'node:http';
import { silentLogger } from '@microflack/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressPolicy,
  BlockedAddressError,
  DeadlineError,
  type Resolve,
} from '../src/address-policy.js';
import { fetchPage, PREVIEW_LIMITS } from '../src/page-fetch.js';
import { PreviewCache } from '../src/preview-cache.js';
import { Slots } from '../src/preview-slots.js';
import { LinkPreviews, previewBlock, type PreviewLimits } from '../src/previews.js';
import { html, startPageServer, type PageServer } from './page-server.js';

const PAGE = '<title>A page</title>';
const HELD = ['/held/1', '/held/2', '/held/3', '/held/4', '/other/1', '/other/2'];

let pages: PageServer;
const held: ServerResponse[] = [];

beforeAll(async () => {
  const holding = Object.fromEntries(
    HELD.map((path) => [path, (_req: unknown, res: ServerResponse) => void held.push(res)]),
  );
  pages = await startPageServer({ '/page': html(PAGE), '/cached': html(PAGE), ...holding });
});
afterAll(async () => {
  await pages.close();
});

const open = addressPolicy(true);
const guarded = addressPolicy(false);

/** A resolver that answers `addresses` for any name, without the network. */
const answering =
  (...addresses: LookupAddress[]): Resolve =>
  () =>
    Promise.resolve(addresses);
const toLoopback = answering({ address: '127.0.0.1', family: 4 });

/** Answers every held request, in arrival order, with the page. */
function releaseHeld(): void {
  for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
}

const hitsOf = (prefix: string) => pages.hits.filter((hit) => hit.startsWith(prefix)).length;

/** Link previews with these caps, counting the fetches in flight overall and per host. */
function cappedPreviews(limits: Partial<PreviewLimits>, now?: () => number) {
  const inFlight = { all: 0, maxAll: 0, hosts: new Map<string, number>(), maxHost: 0 };
  const previews = new LinkPreviews({
    limits: {
      timeoutMs: 10_000,
      concurrency: 10,
      hostConcurrency: 10,
      cache: { maxEntries: 100, ttlMs: 60_000, failureTtlMs: 5_000 },
      ...limits,
    },
    async fetchPage(url, signal) {
      const host = new URL(url).host;
      const count = (inFlight.hosts.get(host) ?? 0) + 1;
      inFlight.hosts.set(host, count);
      inFlight.maxHost = Math.max(inFlight.maxHost, count);
      inFlight.maxAll = Math.max(inFlight.maxAll, ++inFlight.all);
      try {
        return await fetchPage(url, open, PREVIEW_LIMITS, { signal, resolve: toLoopback });
      } finally {
        inFlight.all--;
        inFlight.hosts.set(host, (inFlight.hosts.get(host) ?? 1) - 1);
      }
    },
    repo: { savePreview: () => Promise.resolve(undefined) },
    saved: () => undefined,
    logger: silentLogger(),
    ...(now ? { now } : {}),
  });
  return { previews, inFlight };
}

const block = (url: string) => previewBlock(url, { title: 'A page' });

describe('blocked ranges', () => {
  it.each([
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped private (hex)', '::ffff:a00:1'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['IPv4-translated loopback', '::ffff:0:7f00:1'],
    ['IPv4-translated private', '::ffff:0:c0a8:101'],
    ['NAT64 loopback', '64:ff9b::127.0.0.1'],
    ['NAT64 private', '64:ff9b::a00:1'],
    ['local-use NAT64 loopback', '64:ff9b:1::7f00:1'],
    ['local-use NAT64 private', '64:ff9b:1:ffff::a00:1'],
  ])('when an address is %s, then previews refuse it', (_what, address) => {
    expect(guarded.allows(address)).toBe(false);
  });

  it.each([
    ['a public IPv4', '93.184.216.34'],
    ['a public IPv6', '2606:4700::1111'],
  ])('when an address is %s, then previews allow it', (_what, address) => {
    expect(guarded.allows(address)).toBe(true);
  });

  it.each([
    ['an IPv4-translated literal', () => `http://[::ffff:0:7f00:1]:${pages.port}/page`],
    ['a local-use NAT64 literal', () => `http://[64:ff9b:1::7f00:1]:${pages.port}/page`],
  ])('when a link is %s, then nothing is requested', async (_what, url) => {
    const hitsBefore = pages.hits.length;

    await expect(fetchPage(url(), guarded)).rejects.toThrow(BlockedAddressError);
    expect(pages.hits).toHaveLength(hitsBefore);
  });

  it.each([
    ['IPv4-translated', '::ffff:0:7f00:1'],
    ['local-use NAT64', '64:ff9b:1::7f00:1'],
    ['IPv4-mapped', '::ffff:127.0.0.1'],
  ])(
    'when a name resolves to an %s loopback, then nothing is requested',
    async (_what, address) => {
      const hitsBefore = pages.hits.length;
      const resolve = answering({ address: '93.184.216.34', family: 4 }, { address, family: 6 });

      await expect(
        fetchPage(`http://mapped.test:${pages.port}/page`, guarded, PREVIEW_LIMITS, { resolve }),
      ).rejects.toThrow(BlockedAddressError);
      expect(pages.hits).toHaveLength(hitsBefore);
    },
  );
});

describe('name lookups', () => {
  it('when a name resolves, then the injected resolver decides where the fetch goes', async () => {
    await expect(
      fetchPage(`http://page.test:${pages.port}/page`, open, PREVIEW_LIMITS, {
        resolve: toLoopback,
      }),
    ).resolves.toBe(PAGE);
  });

  it('when the lookup never answers, then the fetch gives up at its deadline and the lookup is told', async () => {
    let lookupSignal: AbortSignal | undefined;
    const never: Resolve = (_hostname, signal) => {
      lookupSignal = signal;
      return new Promise(() => undefined);
    };

    await expect(
      fetchPage(
        `http://slow-dns.test:${pages.port}/page`,
        open,
        { ...PREVIEW_LIMITS, timeoutMs: 200 },
        { resolve: never },
      ),
    ).rejects.toThrow();
    expect(lookupSignal?.aborted).toBe(true);
  });
});

describe('concurrency caps', () => {
  it('when more links wait than the instance cap, then only that many are fetched at once', async () => {
    const { previews, inFlight } = cappedPreviews({ concurrency: 2 });
    const urls = ['/held/1', '/held/2', '/held/3', '/held/4'].map((path) => `${pages.url}${path}`);

    const blocks = Promise.all(urls.map((url) => previews.block(url)));
    await expect.poll(() => held.length).toBe(2);
    expect(hitsOf('/held/')).toBe(2);
    releaseHeld();
    await expect.poll(() => held.length).toBe(2);
    releaseHeld();

    expect(await blocks).toEqual(urls.map(block));
    expect(inFlight.maxAll).toBe(2);
  });

  it('when links of one host exceed the host cap, then other hosts are still fetched', async () => {
    const { previews, inFlight } = cappedPreviews({ hostConcurrency: 1 });
    const sameHost = [`${pages.url}/other/1`, `${pages.url}/other/2`];
    const otherHost = `http://other.test:${pages.port}/held/1`;
    const hitsBefore = pages.hits.length;

    const blocks = Promise.all([...sameHost, otherHost].map((url) => previews.block(url)));
    await expect.poll(() => held.length).toBe(2);
    expect(pages.hits.slice(hitsBefore).sort()).toEqual(['/held/1', '/other/1']);
    releaseHeld();
    await expect.poll(() => held.length).toBe(1);
    releaseHeld();

    expect(await blocks).toEqual([...sameHost, otherHost].map(block));
    expect(inFlight.maxHost).toBe(1);
  });

  it('when no slot frees up before the deadline, then the wait gives up and leaves the queue', async () => {
    const slots = new Slots(1);
    const release = await slots.take(new AbortController().signal);

    await expect(slots.take(AbortSignal.timeout(50))).rejects.toThrow(DeadlineError);
    release();

    expect(slots.idle).toBe(true);
  });
});

describe('the preview cache', () => {
  it('when a link is previewed again within the TTL, then it is not fetched again', async () => {
    let now = 0;
    const { previews } = cappedPreviews({}, () => now);
    const url = `${pages.url}/cached`;

    const both = await Promise.all([previews.block(url), previews.block(url)]);
    await previews.block(url);
    expect(both).toEqual([block(url), block(url)]);
    expect(hitsOf('/cached')).toBe(1);

    now += 60_001;
    await previews.block(url);
    expect(hitsOf('/cached')).toBe(2);
  });

  it('when a fetch failed, then the failure is remembered for the failure TTL only', async () => {
    let now = 0;
    const { previews } = cappedPreviews({}, () => now);
    const url = `${pages.url}/gone`;

    await expect(previews.block(url)).rejects.toThrow(/not an HTML page/);
    await expect(previews.block(url)).rejects.toThrow(/not an HTML page/);
    expect(hitsOf('/gone')).toBe(1);

    now += 5_001;
    await expect(previews.block(url)).rejects.toThrow(/not an HTML page/);
    expect(hitsOf('/gone')).toBe(2);
  });

  it('when more URLs are cached than its size, then the least recently used goes', async () => {
    const cache = new PreviewCache({ maxEntries: 2, ttlMs: 60_000, failureTtlMs: 1_000 });
    const fetched: string[] = [];
    const fetch = (url: string) => () => {
      fetched.push(url);
      return Promise.resolve(url);
    };

    await cache.block('a', fetch('a'));
    await cache.block('b', fetch('b'));
    await cache.block('a', fetch('a'));
    await cache.block('c', fetch('c'));
    await cache.block('a', fetch('a'));
    await cache.block('b', fetch('b'));

    expect(fetched).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.size).toBe(2);
  });
});
