import { describe, expect, it } from 'vitest';
import {
  messagesWith,
  onlineNicknames,
  PHONE,
  say,
  screenshot,
  scrollsSideways,
  seriousViolations,
  twoInTheChat,
  type Person,
} from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let ann: Person;
let bob: Person;

const person = twoInTheChat((chat) => ({ platform, ann, bob } = chat));

describe('two people in the chat', () => {
  it('when both are in, then each sees the other online and themselves marked', async () => {
    await expect
      .poll(() => onlineNicknames(ann.page))
      .toEqual(expect.arrayContaining([ann.account.nickname, bob.account.nickname]));
    await expect.poll(() => onlineNicknames(bob.page)).toContain(ann.account.nickname);

    expect(
      await ann.page.locator('.people .person', { hasText: ann.account.nickname }).textContent(),
    ).toContain('(you)');
    expect(
      await ann.page.locator('.people .person', { hasText: bob.account.nickname }).textContent(),
    ).not.toContain('(you)');
  });

  it('when they write, then each message reaches the other, once, with its author', async () => {
    await say(ann.page, 'Hello **bob**!');
    await expect.poll(() => messagesWith(bob.page, 'Hello bob!').count()).toBe(1);
    await say(bob.page, 'Hi ann, `code` works');
    await expect.poll(() => messagesWith(ann.page, 'Hi ann, code works').count()).toBe(1);

    const fromAnn = messagesWith(bob.page, 'Hello bob!');
    expect(await fromAnn.locator('.author .nick').textContent()).toBe(ann.account.nickname);
    expect(await fromAnn.locator('.content strong').textContent()).toBe('bob');
    expect(await messagesWith(ann.page, 'Hello bob!').count()).toBe(1);
    expect(await messagesWith(bob.page, 'Hi ann').locator('code').textContent()).toBe('code');
    expect(await bob.page.locator('h2.day').allTextContents()).toEqual(['Today']);
    expect(await fromAnn.locator('time').textContent()).toBe('just now');
  });

  it('when one types, then the other sees who is typing', async () => {
    await bob.page.getByLabel('Message', { exact: true }).fill('I am typing');

    await expect
      .poll(() => ann.page.locator('.typing').textContent())
      .toBe(`${bob.account.nickname} is typing…`);
    await bob.page.getByLabel('Message', { exact: true }).press('Enter');
    await expect.poll(() => ann.page.locator('.typing').textContent()).toBe('');
  });

  it('when ann edits and deletes her message, then bob sees the edit and the tombstone, and has no such controls', async () => {
    await say(ann.page, 'first version');
    await expect.poll(() => messagesWith(bob.page, 'first version').count()).toBe(1);

    // Up in the empty composer edits the last message of mine.
    await ann.page.getByLabel('Message', { exact: true }).press('ArrowUp');
    await ann.page.getByRole('textbox', { name: 'Edit message' }).fill('second version');
    await ann.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');

    const edited = messagesWith(bob.page, 'second version');
    await expect.poll(() => edited.count()).toBe(1);
    await expect.poll(() => edited.locator('.edited').count()).toBe(1);
    expect(await edited.getByRole('button').count()).toBe(0);

    const mine = messagesWith(ann.page, 'second version');
    await mine.hover();
    await mine.getByRole('button', { name: 'Delete message' }).click();
    await mine
      .getByRole('group', { name: 'Delete this message?' })
      .getByRole('button', { name: 'Delete' })
      .click();

    await expect.poll(() => messagesWith(bob.page, 'second version').count()).toBe(0);
    await expect.poll(() => bob.page.locator('.message.tombstone').count()).toBe(1);
    expect(await bob.page.locator('.message.tombstone').textContent()).toContain(
      'This message was deleted.',
    );
    expect(await ann.page.locator('.message.tombstone').count()).toBe(1);
  });
});

const XSS = [
  '<script>alert("script")</script>',
  '<img src=x onerror=alert("img")>',
  '[link](javascript:alert("md-link"))',
  '<a href="javascript:alert(\'a\')">a</a>',
  '<svg onload=alert("svg")>',
  '<iframe src="javascript:alert(\'iframe\')"></iframe>',
  '"><script>alert("quote")</script>',
  '<details open ontoggle=alert("details")>',
  '<style>body{display:none}</style>',
  '![x](javascript:alert("md-img"))',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert("mxss")>',
];

describe('what a message may carry', () => {
  it('when a message is full of XSS payloads, then no script runs and nothing but text and safe tags shows', async () => {
    await say(ann.page, `xss test\n\n${XSS.join('\n\n')}`);

    const shown = messagesWith(bob.page, 'xss test');
    await expect.poll(() => shown.count()).toBe(1);
    const dangerous = shown
      .locator('.content')
      .locator(
        'script, img, svg, iframe, style, math, details, [onerror], [onload], a[href^="javascript"]',
      );
    expect(await dangerous.count()).toBe(0);
    expect(bob.seen.dialogs).toEqual([]);
    expect(bob.seen.errors).toEqual([]);
    expect(ann.seen.dialogs).toEqual([]);
    expect(ann.seen.errors).toEqual([]);
  });

  it('when a message has a link to a page, then its preview appears when it arrives', async () => {
    const page = await platform.servePage(
      '<title>A page</title><meta property="og:title" content="Preview title"><meta name="description" content="What the page is about">',
    );

    await say(ann.page, `look at ${page}`);

    const shown = messagesWith(bob.page, 'look at');
    await expect
      .poll(() => shown.locator('blockquote').allTextContents())
      .toEqual([expect.stringContaining('Preview title')]);
    expect(await shown.locator('blockquote a').getAttribute('rel')).toBe(
      'nofollow noopener noreferrer',
    );
  });

  it('when the socket is opened, then it is a WebSocket the CSP allows (connect-src self)', () => {
    expect(
      ann.seen.webSockets.some((url) => url.startsWith(platform.url.replace('http', 'ws'))),
    ).toBe(true);
    expect(ann.seen.errors).toEqual([]);
  });
});

describe('with the keyboard alone', () => {
  it('when one signs in, writes, edits, cancels and deletes without a mouse, then everything works', async () => {
    const gil = await person('gil');
    const { page } = gil;
    const focused = () =>
      page.evaluate(
        "document.activeElement.id || document.activeElement.getAttribute('aria-label') || document.activeElement.textContent",
      );
    await page.goto(platform.url);
    await page.getByLabel('Nickname').waitFor();

    await page.keyboard.press('Tab');
    await page.keyboard.type(gil.account.nickname);
    await page.keyboard.press('Tab');
    await page.keyboard.type(gil.account.password);
    await page.keyboard.press('Enter');
    await page.locator('.connection.connected').waitFor();
    expect(await focused()).toBe('composer-input');

    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    await page.keyboard.press('Enter');
    const mine = messagesWith(page, 'line one');
    await expect.poll(() => mine.locator('br').count()).toBe(1);
    expect(await mine.textContent()).toContain('line two');

    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('edit-message');
    await page.keyboard.type(' not kept');
    await page.keyboard.press('Escape');
    expect(await focused()).toBe('composer-input');
    expect(await mine.textContent()).not.toContain('not kept');

    await page.keyboard.press('ArrowUp');
    await page.keyboard.type(' and kept');
    await page.keyboard.press('Enter');
    await expect.poll(() => messagesWith(bob.page, 'line two and kept').count()).toBe(1);

    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('Delete message');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => messagesWith(bob.page, 'line two and kept').count()).toBe(0);
    expect(gil.seen.errors).toEqual([]);
    await gil.context.close();
  });
});

describe('how it looks', () => {
  it('when the chat is shown light and dark, on a desktop and a phone, then axe finds nothing serious and nothing scrolls sideways', async () => {
    await say(
      bob.page,
      `A long word does not widen the page: ${'x'.repeat(120)} and a link https://example.com/${'y'.repeat(80)}`,
    );
    await expect.poll(() => messagesWith(ann.page, 'A long word').count()).toBe(1);
    for (const colorScheme of ['light', 'dark'] as const) {
      await ann.page.emulateMedia({ colorScheme });
      for (const [size, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['phone', PHONE],
      ] as const) {
        await ann.page.setViewportSize(viewport);
        await screenshot(ann.page, `chat-${size}-${colorScheme}`);
        expect(await seriousViolations(ann.page), `${size} ${colorScheme}`).toEqual([]);
        expect(await scrollsSideways(ann.page), `${size} ${colorScheme}`).toBe(false);
      }
    }
    await ann.page.emulateMedia({ colorScheme: 'light' });
    await ann.page.setViewportSize({ width: 1280, height: 800 });
  });
});
