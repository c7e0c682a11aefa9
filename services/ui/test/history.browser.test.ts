import { writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ARTIFACTS_DIR,
  enter,
  messagesWith,
  openPerson,
  say,
  storeSession,
  twoInTheChat,
  type Person,
} from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let browser: Browser;
let ann: Person;

const person = twoInTheChat((chat) => ({ platform, browser, ann } = chat));

/** Posts `count` messages `<stem> <i>` through the API, spread over accounts (each has a rate limit). */
async function postMany(stem: string, count: number): Promise<void> {
  const writers = await Promise.all(
    Array.from({ length: Math.ceil(count / 15) }, async (_, i) =>
      platform.token(await platform.account(`w${i}`)),
    ),
  );
  // In order, so ids follow the numbers; each writer stays within its burst.
  for (let i = 0; i < count; i++)
    await platform.post(writers[Math.floor(i / 15)] ?? '', `${stem} ${i}`);
}

describe('a long history', () => {
  let dave: Person;

  beforeAll(async () => {
    await postMany('history', 120);
    dave = await person('dave');
    await enter(dave.page, platform.url, dave.account);
  });
  afterAll(() => dave.context.close());

  it('when one scrolls up, then older pages load without moving the view, until the beginning', async () => {
    const messages = dave.page.locator('article.message');
    await expect.poll(() => messagesWith(dave.page, 'history 119').count()).toBe(1);
    const edge = dave.page.locator('.history-edge');

    for (let pages = 0; pages < 10; pages++) {
      if ((await edge.textContent())?.includes('beginning')) break;
      const count = await messages.count();
      const top = messagesWith(
        dave.page,
        (await messages.first().locator('.content').textContent()) ?? '',
      );
      await edge.scrollIntoViewIfNeeded();
      await expect
        .poll(
          async () =>
            (await messages.count()) > count || (await edge.textContent())?.includes('beginning'),
        )
        .toBe(true);
      // The message that was on top stays in view, near the top: the page went in above it
      // (without the correction it would have been pushed a whole page down).
      const box = await top.first().boundingBox();
      expect(box?.y).toBeGreaterThanOrEqual(0);
      expect(box?.y).toBeLessThan(300);
    }

    await expect.poll(() => edge.textContent()).toBe('This is the beginning of the conversation.');
    for (const i of [0, 1, 60, 119])
      expect(
        await messagesWith(dave.page, `history ${i}`)
          .filter({ hasText: new RegExp(`history ${i}$`) })
          .count(),
      ).toBe(1);
  });

  it('when a message arrives while one reads higher up, then a button counts it and takes one down', async () => {
    await dave.page.locator('.history-edge').scrollIntoViewIfNeeded();

    await say(ann.page, 'news while dave reads');

    const button = dave.page.getByRole('button', { name: /new message/ });
    await expect.poll(() => button.textContent()).toBe('1 new message ↓');
    await button.click();
    await expect.poll(() => button.count()).toBe(0);
    expect(await messagesWith(dave.page, 'news while dave reads').isVisible()).toBe(true);
  });
});

describe('a cold load', () => {
  it('when a signed-in tab opens the chat with an empty cache, then the first message shows (the time is recorded, not asserted)', async () => {
    const frank = await platform.account('frank');
    const token = await platform.token(frank);
    const session = {
      token,
      expiresAt: Date.now() + 600_000,
      userId: frank.id,
      nickname: frank.nickname,
    };
    const loads: { wallMs: number; sinceNavigationMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const { context, page } = await openPerson(browser);
      await storeSession(context, session);
      const started = performance.now();
      await page.goto(platform.url, { waitUntil: 'commit' });
      await page.locator('article.message').first().waitFor();
      const wallMs = Math.round(performance.now() - started);
      const sinceNavigationMs = z
        .number()
        .parse(await page.evaluate('Math.round(performance.now())'));
      loads.push({ wallMs, sinceNavigationMs });
      await context.close();
    }
    const median = [...loads].sort((a, b) => a.wallMs - b.wallMs)[2];
    writeFileSync(
      `${ARTIFACTS_DIR}cold-load.json`,
      `${JSON.stringify({ loads, median }, null, 2)}\n`,
    );
    process.stdout.write(`cold load to first message: ${JSON.stringify(loads)}\n`);
    expect(loads).toHaveLength(5);
  });
});
