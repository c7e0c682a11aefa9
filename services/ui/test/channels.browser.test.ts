import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  enter,
  messagesWith,
  PHONE,
  say,
  screenshot,
  scrollsSideways,
  seriousViolations,
  storedToken,
  twoInTheChat,
  type Person,
} from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let ann: Person;
let bob: Person;
let carl: Person;

const person = twoInTheChat((chat) => ({ platform, ann, bob } = chat));

/** A channel name no other run has used. */
const channelName = (stem: string) => `${stem}-${Math.random().toString(36).slice(2, 8)}`;

/** The sidebar's entry of a channel (its link, whose text holds the label and the counts). */
const entry = (page: Page, label: string) =>
  page.locator('.sidebar .channel a', { has: page.locator('.name', { hasText: label }) });

/** The heading of the shown channel. */
const heading = async (page: Page) => (await page.locator('#channel-title').textContent()) ?? '';

/** How far the messages are scrolled. */
const scrollTop = async (page: Page) =>
  z.number().parse(await page.evaluate("document.querySelector('.messages').scrollTop"));

/** The channel id in the address bar (`/c/<id>`). */
const shownId = (page: Page) => Number(/\/c\/(\d+)$/.exec(new URL(page.url()).pathname)?.[1]);

/** Errors but the console's note of each refused request (a 404 is what carl must get). */
const unexpected = (errors: string[]) =>
  errors.filter((error) => !error.includes('Failed to load resource'));

async function createChannel(page: Page, name: string, isPrivate: boolean): Promise<number> {
  await page.getByRole('button', { name: '+ New channel' }).click();
  await page.getByLabel('Channel name').fill(name);
  if (isPrivate) await page.getByLabel(/Private/).check();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect.poll(() => heading(page)).toContain(`#${name}`);
  return shownId(page);
}

describe('channels and direct messages', () => {
  let plans: string;
  let plansId: number;
  let dmId: number;

  it('when ann makes a private channel and adds bob, then they chat in it, with unread and mention badges', async () => {
    carl = await person('carl');
    await enter(carl.page, platform.pageUrl, carl.account);
    plans = channelName('plans');
    plansId = await createChannel(ann.page, plans, true);
    expect(new URL(ann.page.url()).pathname).toBe(`/c/${plansId}`);

    await ann.page.getByLabel(/Add someone/).selectOption({ label: bob.account.nickname });
    await ann.page.getByRole('button', { name: 'Add', exact: true }).click();
    await entry(bob.page, `#${plans}`).waitFor();
    await say(ann.page, `secret plan for @${bob.account.nickname}`);

    await expect
      .poll(() => entry(bob.page, `#${plans}`).textContent())
      .toMatch(/@1 mentions.*1 unread/);
    await entry(bob.page, `#${plans}`).click();
    await expect.poll(() => messagesWith(bob.page, 'secret plan').count()).toBe(1);
    expect(await messagesWith(bob.page, 'secret plan').locator('.mention.me').textContent()).toBe(
      `@${bob.account.nickname}`,
    );
    await expect.poll(() => entry(bob.page, `#${plans}`).locator('.badge').count()).toBe(0);
    await say(bob.page, 'count me in');
    await expect.poll(() => messagesWith(ann.page, 'count me in').count()).toBe(1);
  });

  it('when bob messages ann from the online list, then a direct channel opens for both', async () => {
    await bob.page.getByRole('button', { name: `Message ${ann.account.nickname}` }).click();
    await expect.poll(() => heading(bob.page)).toContain(ann.account.nickname);
    dmId = shownId(bob.page);
    await say(bob.page, 'psst, just us');

    const dm = entry(ann.page, bob.account.nickname);
    await expect.poll(() => dm.textContent()).toContain('1 unread');
    await dm.click();
    await expect.poll(() => messagesWith(ann.page, 'psst, just us').count()).toBe(1);
    await say(ann.page, 'right back at you');
    await expect.poll(() => messagesWith(bob.page, 'right back at you').count()).toBe(1);
  });

  it('when carl looks, then he sees neither the private channel nor the DM, not even by address', async () => {
    await say(carl.page, 'carl was here');
    await expect.poll(() => messagesWith(ann.page, 'carl was here').count()).toBe(0);
    const names = await carl.page.locator('.sidebar .channel .name').allTextContents();
    expect(names.join(' ')).not.toContain(plans);
    expect(names.join(' ')).not.toContain(ann.account.nickname);
    for (const text of ['secret plan', 'count me in', 'psst', 'right back']) {
      expect(await messagesWith(carl.page, text).count(), text).toBe(0);
    }

    for (const id of [plansId, dmId]) {
      await carl.page.goto(`${platform.pageUrl}/c/${id}`);
      await expect.poll(() => carl.page.getByRole('alert').textContent()).toContain('no channel');
      await expect.poll(() => new URL(carl.page.url()).pathname).toBe('/c/1');
      await expect.poll(() => messagesWith(carl.page, 'carl was here').count()).toBe(1);
    }
    expect(unexpected(carl.seen.errors)).toEqual([]);
  });

  it('when ann goes back, forward and reloads, then the address keeps the channel, its draft and its place', async () => {
    await entry(ann.page, `#${plans}`).click();
    await expect.poll(() => shownId(ann.page)).toBe(plansId);
    await ann.page.getByLabel('Message', { exact: true }).fill('half a thought');
    await entry(ann.page, '#general').click();
    await expect.poll(() => heading(ann.page)).toBe('#general');
    expect(await ann.page.getByLabel('Message', { exact: true }).inputValue()).toBe('');

    await ann.page.goBack();
    await expect.poll(() => heading(ann.page)).toContain(`#${plans}`);
    expect(await ann.page.getByLabel('Message', { exact: true }).inputValue()).toBe(
      'half a thought',
    );
    await ann.page.goForward();
    await expect.poll(() => heading(ann.page)).toBe('#general');
    await ann.page.goBack();
    await ann.page.reload();
    await expect.poll(() => heading(ann.page)).toContain(`#${plans}`);
    await expect.poll(() => messagesWith(ann.page, 'count me in').count()).toBe(1);
    expect(await ann.page.getByLabel('Message', { exact: true }).inputValue()).toBe(
      'half a thought',
    );
    await ann.page.getByLabel('Message', { exact: true }).fill('');
  });

  it('when ann reads higher up in a channel and comes back to it, then she is where she left it', async () => {
    const long = channelName('long');
    const id = await createChannel(ann.page, long, false);
    const token = await storedToken(ann.page);
    for (let i = 0; i < 15; i++) {
      await platform.post(token, `line ${i}\n\nsecond\n\nthird\n\nfourth`, id);
    }
    await expect.poll(() => messagesWith(ann.page, 'line 14').count()).toBe(1);
    await ann.page.evaluate("document.querySelector('.messages').scrollTop = 300");
    await expect.poll(() => scrollTop(ann.page)).toBe(300);

    await entry(ann.page, '#general').click();
    await expect.poll(() => heading(ann.page)).toBe('#general');
    await entry(ann.page, `#${long}`).click();

    await expect.poll(() => scrollTop(ann.page)).toBe(300);
    await entry(ann.page, '#general').click();
  });

  it('when bob types in the private channel, then ann sees it there and not in #general', async () => {
    await entry(ann.page, `#${plans}`).click();
    await entry(bob.page, `#${plans}`).click();
    await bob.page.getByLabel('Message', { exact: true }).fill('typing here');
    await expect
      .poll(() => ann.page.locator('.typing').textContent())
      .toBe(`${bob.account.nickname} is typing…`);

    await entry(ann.page, '#general').click();

    await expect.poll(() => ann.page.locator('.typing').textContent()).toBe('');
    await bob.page.getByLabel('Message', { exact: true }).fill('');
  });

  it('when carl makes a public channel, then ann reads it, joins to write, and leaves', async () => {
    const lobby = channelName('lobby');
    await createChannel(carl.page, lobby, false);
    await say(carl.page, 'welcome to the lobby');

    await entry(ann.page, `#${lobby}`).click();
    await expect.poll(() => messagesWith(ann.page, 'welcome to the lobby').count()).toBe(1);
    await ann.page.getByRole('button', { name: `Join #${lobby}` }).click();
    await say(ann.page, 'glad to be here');
    await expect.poll(() => messagesWith(carl.page, 'glad to be here').count()).toBe(1);

    await ann.page.getByRole('button', { name: 'Leave' }).click();
    await ann.page.getByRole('button', { name: `Join #${lobby}` }).waitFor();
    expect(unexpected(ann.seen.errors)).toEqual([]);
  });
});

describe('on a phone', () => {
  it('when the screen is narrow, then the sidebar is a drawer: the Channels button opens it, picking a channel closes it', async () => {
    const dot = await person('dot', { viewport: PHONE });
    await enter(dot.page, platform.pageUrl, dot.account);
    const sidebar = dot.page.getByRole('navigation', { name: 'Channels' });
    expect(await sidebar.isVisible()).toBe(false);
    expect(await scrollsSideways(dot.page)).toBe(false);

    await entry(ann.page, '#general').click();
    await dot.page.getByRole('button', { name: 'Channels' }).click();
    await expect.poll(() => sidebar.isVisible()).toBe(true);
    // The drawer slides in: the screenshot waits until it is all on screen.
    await expect.poll(async () => (await sidebar.boundingBox())?.x).toBe(0);
    await screenshot(dot.page, 'channels-phone-drawer');
    expect(await seriousViolations(dot.page)).toEqual([]);
    await entry(dot.page, '#general').click();

    await expect.poll(() => sidebar.isVisible()).toBe(false);
    await say(dot.page, 'from my phone');
    await expect.poll(() => messagesWith(ann.page, 'from my phone').count()).toBe(1);
    expect(await scrollsSideways(dot.page)).toBe(false);
    await dot.context.close();
  });

  it('when the desktop chat shows channels, then axe finds nothing serious', async () => {
    await screenshot(ann.page, 'channels-desktop');
    expect(await seriousViolations(ann.page)).toEqual([]);
  });
});
