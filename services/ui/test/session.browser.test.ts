import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  enter,
  messagesWith,
  onlineNicknames,
  openPerson,
  say,
  signedOut,
  storeSession,
  storedToken,
  twoInTheChat,
  type Person,
} from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let browser: Browser;
let ann: Person;
let bob: Person;

const person = twoInTheChat((chat) => ({ platform, browser, ann, bob } = chat));

describe('a session', () => {
  it('when the page is reloaded, then one stays signed in and sees the conversation', async () => {
    await say(bob.page, 'before the reload');
    await expect.poll(() => messagesWith(ann.page, 'before the reload').count()).toBe(1);

    await ann.page.reload();

    await ann.page.locator('.connection.connected').waitFor();
    expect(await messagesWith(ann.page, 'before the reload').count()).toBe(1);
    expect(await ann.page.getByLabel('Nickname').count()).toBe(0);
  });

  it('when the stored token has expired, then the app returns to the form with a notice', async () => {
    const carol = await person('carol');
    const token = platform.expiredToken(carol.account);
    await storeSession(carol.context, {
      token,
      expiresAt: Date.now() + 60_000,
      userId: carol.account.id,
      nickname: carol.account.nickname,
    });

    await carol.page.goto(platform.url);

    expect(await signedOut(carol.page)).toMatch(/session has ended/);
    await carol.context.close();
  });
});

describe('leaving', () => {
  it('when a token is revoked elsewhere, then the next action brings one back to the form with a notice', async () => {
    const eve = await person('eve');
    await enter(eve.page, platform.url, eve.account);
    const token = await storedToken(eve.page);
    await fetch(`${platform.url}/api/tokens`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });

    // Typing is enough: the socket refuses the token with expired_token. The app may have
    // learnt it already (a ping of its own), and then the field is gone before anyone types.
    const composer = eve.page.getByLabel('Message', { exact: true });
    await composer.fill('am I still in?', { timeout: 2000 }).catch(() => undefined);

    expect(await signedOut(eve.page)).toMatch(/session has ended/);
    await eve.context.close();
  });

  it('when ann signs out, then her token is revoked, she is back at the form, and bob sees her go offline', async () => {
    const token = await storedToken(ann.page);

    await ann.page.getByRole('button', { name: 'Sign out', exact: true }).click();

    expect(await signedOut(ann.page)).toBe('You have signed out.');
    await expect.poll(() => onlineNicknames(bob.page)).not.toContain(ann.account.nickname);
    expect(await platform.tokenStatus(token)).toBe(401);
    expect(await platform.online(ann.account)).toBe(false);
    expect(await ann.page.evaluate("sessionStorage.getItem('microflack.session')")).toBeNull();
  });
});

describe('signing out everywhere', () => {
  it('when one of two browsers of a person signs out everywhere, then every token of theirs is refused and the other browser is back at the form too', async () => {
    const here = await person('fay');
    const there = await openPerson(browser);
    await enter(here.page, platform.url, here.account);
    await enter(there.page, platform.url, here.account);
    const tokens = [await storedToken(here.page), await storedToken(there.page)];

    await here.page.getByRole('button', { name: 'Sign out everywhere' }).click();

    expect(await signedOut(here.page)).toBe('You have signed out everywhere.');
    for (const token of tokens) await expect.poll(() => platform.tokenStatus(token)).toBe(401);
    // The other browser learns it with its next call: typing is one (the socket refuses its
    // token with expired_token), unless a ping of its own came first.
    await there.page
      .getByLabel('Message', { exact: true })
      .fill('am I still in?', { timeout: 2000 })
      .catch(() => undefined);
    expect(await signedOut(there.page)).toMatch(/session has ended/);
    await expect.poll(() => platform.online(here.account)).toBe(false);
    // Only the tokens issued before are refused: signing in again works.
    await enter(there.page, platform.url, here.account);
    expect(await platform.tokenStatus(await storedToken(there.page))).toBe(200);
    await here.context.close();
    await there.context.close();
  });
});
