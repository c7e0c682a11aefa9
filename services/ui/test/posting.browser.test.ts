import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  enter,
  messagesWith,
  say,
  screenshot,
  storedToken,
  twoInTheChat,
  type Person,
} from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let ann: Person;
let bob: Person;

const person = twoInTheChat((chat) => ({ platform, ann, bob } = chat));

const stored = z.object({ messages: z.array(z.object({ source: z.string() })) });

/** How many messages with exactly this source the platform holds. */
async function storedCopies(source: string): Promise<number> {
  const response = await fetch(`${platform.url}/api/messages?limit=500`);
  return stored.parse(await response.json()).messages.filter((m) => m.source === source).length;
}

/**
 * Routes `page`'s WebSockets through the test: everything passes, except frames from the server
 * that mention `text` while `dropping()` says so (a lost ack, a lost broadcast).
 */
async function loseFramesAbout(page: Page, text: string, dropping: () => boolean): Promise<void> {
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((frame) => {
      if (dropping() && typeof frame === 'string' && frame.includes(text)) return;
      ws.send(frame);
    });
  });
}

describe('posting', () => {
  it('when posts are refused (rate limited), then they stay visible with a retry, and the retry posts each once', async () => {
    // Ann's other tab spends her whole allowance (20 messages per 2 s), so
    // what she writes here is refused.
    const token = await storedToken(ann.page);
    const flooding = new AbortController();
    // Four loops, bounded in count and time, take every message the limit lets through.
    const deadline = Date.now() + 30_000;
    const flood = Promise.all(
      [1, 2, 3, 4].map(async () => {
        for (let i = 0; !flooding.signal.aborted && i < 2000 && Date.now() < deadline; i++) {
          await platform.tryPost(token, 'from another tab');
        }
      }),
    );
    // On a loaded machine each post takes longer: the allowance runs out later.
    await expect
      .poll(() => platform.tryPost(token, 'from another tab'), { timeout: 25_000 })
      .toBe(429);
    const texts = ['refused 1', 'refused 2', 'refused 3'];
    for (const text of texts) await say(ann.page, text);

    const failed = ann.page.locator('article.pending.failed');
    await expect.poll(() => failed.count()).toBeGreaterThan(0);
    expect(await failed.first().textContent()).toContain('Too many messages');
    // The flood stops first: a screenshot waits for the page to settle, which a loaded CPU delays.
    flooding.abort();
    await flood;
    await screenshot(ann.page, 'chat-error-failed-posts');
    await expect
      .poll(
        async () => {
          const retries = ann.page.getByRole('button', { name: 'Retry' });
          if ((await retries.count()) > 0) await retries.first().click();
          return ann.page.locator('article.pending').count();
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe(0);
    for (const text of texts) expect(await messagesWith(bob.page, text).count(), text).toBe(1);
    for (const text of texts) expect(await messagesWith(ann.page, text).count(), text).toBe(1);
  });

  it('when the ack and the broadcast of a post are lost, then its retry carries the same client id and it is posted once', async () => {
    const text = 'lost in transit';
    let dropping = true;
    const carl = await person('carl');
    await loseFramesAbout(carl.page, text, () => dropping);
    await enter(carl.page, platform.url, carl.account);

    await say(carl.page, text);

    // The server posted it (bob sees it) but carl heard nothing: no ack in time, a retry.
    await expect.poll(() => messagesWith(bob.page, text).count()).toBe(1);
    const retry = carl.page.getByRole('button', { name: 'Retry' });
    await retry.waitFor({ timeout: 20_000 });
    dropping = false;
    await retry.click();

    await expect.poll(() => messagesWith(carl.page, text).count()).toBe(1);
    expect(await carl.page.locator('article.pending').count()).toBe(0);
    expect(await messagesWith(bob.page, text).count()).toBe(1);
    expect(await storedCopies(text)).toBe(1);
    await carl.context.close();
  }, 60_000);
});
