// The browser: a cold load of the chat in Chromium (a fresh context each time, signed in, the
// conversation seeded with a page of messages) until the first message is in the page, next to
// a static page of the same messages from a bare HTTP server; and the JavaScript that load fetched.
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalPlatform } from '@microflack/admin/testing';
import { bearer, CHROMIUM_LAUNCH } from '@microflack/common/testing';
import { chromium, type Browser } from 'playwright-core';
import { z } from 'zod';
import { forkBaseline } from '../platform/child.js';
import { seedMessages } from '../platform/platform.js';
import { percentile } from '../probes.js';
import { ratioOf, type Row } from './row.js';

/** The ui's first page of messages (`PAGE_SIZE` of services/ui/web/src/chat.ts). */
const PAGE = 50;

/** Debian's Chromium with the flags that work on these machines. */
const launch = () => chromium.launch(CHROMIUM_LAUNCH);

const messagesAnswer = z.object({ messages: z.array(z.looseObject({ source: z.string() })) });
const userAnswer = z.looseObject({ id: z.number() });

/**
 * What runs in every new document before its own scripts: the session the ui resumes (so the
 * load is a signed-in person's, with no sign-in form), and an observer that stamps the time,
 * from the navigation's start, at which the first message is in the page.
 */
function initScript(session: object | undefined): string {
  return `(() => {
    const session = ${JSON.stringify(session ?? null)};
    if (session && location.protocol === 'http:')
      sessionStorage.setItem('microflack.session', JSON.stringify(session));
    const seen = () => {
      if (window.mfFirstMessage === undefined && document.querySelector('article.message:not(.pending)'))
        window.mfFirstMessage = performance.now();
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  })();`;
}

/** One cold load of `url` in a fresh context: ms to the first message, and the scripts fetched. */
async function coldLoad(browser: Browser, url: string, session?: object) {
  const context = await browser.newContext();
  try {
    await context.addInitScript({ content: initScript(session) });
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(response.url());
    });
    await page.goto(url);
    await page.waitForFunction('window.mfFirstMessage !== undefined', undefined, {
      timeout: 30_000,
    });
    return { ms: z.number().parse(await page.evaluate('window.mfFirstMessage')), scripts };
  } finally {
    await context.close();
  }
}

/** The bytes `url` sends with `encoding` accepted: the body as on the wire, not decoded. */
function wireBytes(url: string, encoding: 'gzip' | 'identity'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
    });
    req.on('error', reject);
    req.end();
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The baseline page: the same messages as plain articles, no script, no stylesheet. */
function staticPage(sources: readonly string[]): string {
  const articles = sources.map(
    (source) => `<article class="message"><p>${escapeHtml(source)}</p></article>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MicroFlack</title></head><body><main>${articles.join('')}</main></body></html>`;
}

/** A signed-in person's session as the ui keeps it in `sessionStorage`. */
async function browserSession(url: string, token: string, nickname: string) {
  const response = await fetch(`${url}/api/users/me`, {
    headers: { authorization: bearer(token) },
  });
  const { id } = userAnswer.parse(await response.json());
  // Well inside the token's own lifetime: the ui ends a session at this time.
  return { token, expiresAt: Date.now() + 10 * 60_000, userId: id, nickname };
}

/** `rounds` cold loads of the chat and of the static page, interleaved; the JavaScript sizes. */
export async function measureBrowser(platform: LocalPlatform, rounds: number): Promise<Row[]> {
  const url = platform.balancer.url;
  const [user] = await seedMessages(url, PAGE);
  if (user === undefined) throw new Error('no user to load the chat as');
  const session = await browserSession(url, user.token, user.nickname);
  const latest = await fetch(`${url}/api/messages?limit=${PAGE}`);
  const { messages } = messagesAnswer.parse(await latest.json());
  const pageFile = join(tmpdir(), `mf-bench-page-${process.pid}.html`);
  writeFileSync(pageFile, staticPage(messages.map((message) => message.source)));
  const [bare, browser] = await Promise.all([
    forkBaseline('platform/bare-page.js', [pageFile]),
    launch(),
  ]);
  const chat: number[] = [];
  const plain: number[] = [];
  const scripts = new Set<string>();
  try {
    for (let round = 0; round < rounds; round++) {
      const load = await coldLoad(browser, `${url}/`, session);
      chat.push(load.ms);
      load.scripts.forEach((script) => scripts.add(script));
      plain.push((await coldLoad(browser, `${bare.url}/`)).ms);
    }
  } finally {
    await browser.close();
    await bare.stop();
  }
  let gzip = 0;
  let raw = 0;
  for (const script of scripts) {
    gzip += await wireBytes(script, 'gzip');
    raw += await wireBytes(script, 'identity');
  }
  return browserRows({ chat, plain, rounds, messages: messages.length }, { gzip, raw, scripts });
}

function browserRows(
  loads: { chat: number[]; plain: number[]; rounds: number; messages: number },
  js: { gzip: number; raw: number; scripts: ReadonlySet<string> },
): Row[] {
  const spread = (values: number[]) =>
    `p50 ${percentile(values, 50)} / max ${percentile(values, 100)} ms`;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  return [
    {
      scenario: 'browser',
      what: `cold load to the first of ${loads.messages} messages shown (${loads.rounds} loads): the chat vs a static page`,
      measured: spread(loads.chat),
      baseline: spread(loads.plain),
      ratio: ratioOf(percentile(loads.chat, 50), percentile(loads.plain, 50)),
      target: 'report',
      data: { p50: percentile(loads.chat, 50), staticP50: percentile(loads.plain, 50) },
    },
    {
      scenario: 'browser',
      what: `first-load JavaScript (${js.scripts.size} files)`,
      measured: `${kb(js.gzip)} gzip, ${kb(js.raw)} raw`,
      baseline: '-',
      target: '≤ 80 KB gzip (the ui build’s budget)',
      data: { gzipBytes: js.gzip, rawBytes: js.raw },
    },
  ];
}
