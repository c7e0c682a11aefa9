import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@microflack/common/testing';
import {
  launchChromium,
  openPerson,
  PHONE,
  screenshot,
  scrollsSideways,
  seriousViolations,
  submitForm,
} from './browser.js';
import { Platform } from './platform.js';

let platform: Platform;
let browser: Browser;

beforeAll(async () => {
  [platform, browser] = await Promise.all([Platform.start({ socketio: 1 }), launchChromium()]);
});
afterAll(async () => {
  await browser.close();
  await platform.close();
});

const formError = (page: import('playwright-core').Page) => page.getByRole('alert');

describe('the sign-in form', () => {
  it('when it opens, then it is accessible, fits a phone, and runs under the CSP without errors', async () => {
    const { page, seen, context } = await openPerson(browser);
    const phone = await openPerson(browser, { viewport: PHONE, colorScheme: 'dark' });

    await page.goto(platform.url);
    await phone.page.goto(platform.url);
    await page.getByLabel('Nickname').waitFor();
    await phone.page.getByLabel('Nickname').waitFor();
    await screenshot(page, 'sign-in-desktop-light');
    await screenshot(phone.page, 'sign-in-phone-dark');

    expect(await seriousViolations(page)).toEqual([]);
    expect(await seriousViolations(phone.page)).toEqual([]);
    expect(await scrollsSideways(phone.page)).toBe(false);
    expect([...seen.errors, ...phone.seen.errors]).toEqual([]);
    // Trusted Types are enforced: a plain string cannot become HTML, even for a script of the page.
    const sink = `(() => {
      try { document.createElement('div').innerHTML = '<b>x</b>'; return 'allowed'; }
      catch (error) { return error.name; }
    })()`;
    expect(await page.evaluate(sink)).toBe('TypeError');
    await context.close();
    await phone.context.close();
  });

  it('when the password is wrong, then the form says so (401)', async () => {
    const account = await platform.account('ann');
    const { page, context } = await openPerson(browser);
    await page.goto(platform.url);

    await submitForm(page, { ...account, password: 'not the password' }, 'Sign in');

    await expect.poll(() => formError(page).textContent()).toBe('Wrong nickname or password.');
    await screenshot(page, 'sign-in-error-401');
    await context.close();
  });

  it('when the nickname is taken, then the error is next to the nickname (409)', async () => {
    const account = await platform.account('bob');
    const { page, context } = await openPerson(browser);
    await page.goto(platform.url);

    await submitForm(
      page,
      { nickname: account.nickname.toUpperCase(), password: 'another password' },
      'Register',
    );

    const nickname = page.getByLabel('Nickname');
    await expect.poll(() => nickname.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await nickname.getAttribute('aria-describedby');
    expect(await page.locator(`#${describedBy ?? ''}`).textContent()).toMatch(/taken/);
    await context.close();
  });

  it('when the input is invalid, then the reason is next to its field (400)', async () => {
    const { page, context } = await openPerson(browser);
    await page.goto(platform.url);

    await submitForm(page, { nickname: 'no spaces allowed', password: 'short' }, 'Register');

    await expect
      .poll(() => page.locator('#nickname-error').textContent())
      .toMatch(/^The nickname must be/);
    expect(await page.locator('#password-error').textContent()).toMatch(
      /^The password must be 8–72 bytes/,
    );
    expect(await page.evaluate('document.activeElement.id')).toBe('nickname');
    await screenshot(page, 'sign-in-error-400');
    await context.close();
  });

  it('when sign-ins fail again and again, then the form says how long to wait (429)', async () => {
    const account = await platform.account('cat');
    const { page, context } = await openPerson(browser);
    await page.goto(platform.url);

    await waitFor(
      async () => {
        await submitForm(page, { ...account, password: 'wrong password' }, 'Sign in');
        await expect
          .poll(() => page.getByRole('button', { name: 'Sign in', exact: true }).isEnabled())
          .toBe(true);
        return /Too many attempts/.test((await formError(page).textContent()) ?? '');
      },
      { timeoutMs: 20_000, what: 'the limit on failed sign-ins' },
    );

    expect(await formError(page).textContent()).toMatch(
      /^Too many attempts\. Try again in \d+ (seconds?|minutes)\.$/,
    );
    await context.close();
  });

  it('when tokens has no instance, then the form says the chat is unavailable (503)', async () => {
    const account = await platform.account('dan');
    const tokens = platform.started.find((service) => service.instance.service === 'tokens');
    if (tokens) await platform.stop(tokens);
    await waitFor(
      async () => (await fetch(`${platform.url}/api/tokens`, { method: 'POST' })).status === 503,
      {
        timeoutMs: 10_000,
        what: 'the balancer to answer 503 for tokens',
      },
    );
    const { page, context } = await openPerson(browser);
    await page.goto(platform.url);

    await submitForm(page, account, 'Sign in');

    await expect.poll(() => formError(page).textContent()).toMatch(/unavailable/);
    await screenshot(page, 'sign-in-error-503');
    await context.close();
  });
});
