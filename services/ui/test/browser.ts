import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM_LAUNCH } from '@microflack/common/testing';
import { z } from 'zod';
import { Platform, type Account } from './platform.js';

/** Where screenshots go: `<repo>/.mf/artifacts/`. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../.mf/artifacts/', import.meta.url));

/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = CHROMIUM_LAUNCH.executablePath;

/** Debian's Chromium, driven by playwright-core (no browser download). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch(CHROMIUM_LAUNCH);
}

/** The desktop and phone sizes the app is checked at. */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 667 };

/** What a page did that it should not: script dialogs, uncaught errors, console errors. */
export interface Misbehaviour {
  dialogs: string[];
  errors: string[];
  webSockets: string[];
}

/**
 * A new browser context (a person on their own) with one page, watched for dialogs (an XSS
 * that ran), uncaught errors and console errors (a CSP violation is one).
 */
export async function openPerson(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page; seen: Misbehaviour }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme ?? 'light',
    // The HTTPS test's load balancer presents a self-signed certificate.
    ignoreHTTPSErrors: true,
  });
  // A missing element fails a test within seconds rather than at the test's own timeout.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const seen: Misbehaviour = { dialogs: [], errors: [], webSockets: [] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => seen.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(`console: ${message.text()}`);
  });
  page.on('websocket', (socket) => seen.webSockets.push(socket.url()));
  return { context, page, seen };
}

/** Someone in the chat: a new account and a browser context of their own. */
export interface Person {
  account: Account;
  context: BrowserContext;
  page: Page;
  seen: Misbehaviour;
}

/** A new person: an account on `platform` (`<stem>-…`) and a page in `browser`, not signed in yet. */
export async function newPerson(
  platform: Platform,
  browser: Browser,
  stem: string,
  options: Parameters<typeof openPerson>[1] = {},
): Promise<Person> {
  const account = await platform.account(stem);
  return { account, ...(await openPerson(browser, options)) };
}

/** A platform, a Chromium, and two people signed in to the chat: ann and bob. */
export interface TwoInTheChat {
  platform: Platform;
  browser: Browser;
  ann: Person;
  bob: Person;
}

/**
 * For one test file: before its tests, starts a platform (over HTTPS when asked) and a Chromium,
 * signs ann and bob in, and hands them to `use`; after its tests, closes it all.
 * @returns a maker of more people on that platform, not signed in yet.
 */
export function twoInTheChat(
  use: (chat: TwoInTheChat) => void,
  options: { https?: boolean } = {},
): (stem: string, personOptions?: Parameters<typeof openPerson>[1]) => Promise<Person> {
  let chat: TwoInTheChat | undefined;
  beforeAll(async () => {
    const [platform, browser] = await Promise.all([Platform.start(options), launchChromium()]);
    const [ann, bob] = [
      await newPerson(platform, browser, 'ann'),
      await newPerson(platform, browser, 'bob'),
    ];
    chat = { platform, browser, ann, bob };
    use(chat);
    await enter(ann.page, platform.pageUrl, ann.account);
    await enter(bob.page, platform.pageUrl, bob.account);
  });
  afterAll(async () => {
    await chat?.browser.close();
    await chat?.platform.close();
  });
  return async (stem, personOptions) => {
    if (!chat) throw new Error('the chat starts before the tests');
    return newPerson(chat.platform, chat.browser, stem, personOptions);
  };
}

/** Makes `context` start signed in as `session` (what the app keeps in `sessionStorage`). */
export async function storeSession(
  context: BrowserContext,
  session: { token: string; expiresAt: number; userId: number; nickname: string },
): Promise<void> {
  await context.addInitScript(
    `sessionStorage.setItem('microflack.session', ${JSON.stringify(JSON.stringify(session))})`,
  );
}

/** Waits until `page` is back at the sign-in form, and returns the form's notice. */
export async function signedOut(page: Page): Promise<string> {
  await page.getByLabel('Nickname').waitFor();
  return (await page.getByRole('status').textContent()) ?? '';
}

/** Fills the form and presses one of its buttons. */
export async function submitForm(
  page: Page,
  account: Pick<Account, 'nickname' | 'password'>,
  button: 'Sign in' | 'Register',
): Promise<void> {
  await page.getByLabel('Nickname').fill(account.nickname);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: button, exact: true }).click();
}

/** Opens the chat, signs in (or registers) through the form, and waits for the conversation. */
export async function enter(
  page: Page,
  url: string,
  account: Account,
  button: 'Sign in' | 'Register' = 'Sign in',
) {
  await page.goto(url);
  await submitForm(page, account, button);
  await page.getByRole('log', { name: 'Messages' }).waitFor();
  await page.locator('.connection.connected').waitFor();
}

/** The token the app keeps in `sessionStorage`. */
export async function storedToken(page: Page): Promise<string> {
  const stored = await page.evaluate(
    "JSON.parse(sessionStorage.getItem('microflack.session')).token",
  );
  if (typeof stored !== 'string') throw new Error('no session stored');
  return stored;
}

/** What the connection indicator says. */
export async function connection(page: Page): Promise<string> {
  return (await page.locator('.connection').textContent()) ?? '';
}

/** Types a message into the composer and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

/** The messages shown (not pending), by their text. */
export function messagesWith(page: Page, text: string) {
  return page.locator('article.message:not(.pending)', { hasText: text });
}

/** The nicknames in the online list. */
export async function onlineNicknames(page: Page): Promise<string[]> {
  return page.locator('.people .person .nick').allTextContents();
}

/** Saves a full-page screenshot under `.mf/artifacts/`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png` });
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

const axeViolations = z.array(
  z.object({ id: z.string(), impact: z.string().nullish(), targets: z.array(z.string()) }),
);

/**
 * axe-core's serious and critical violations on the page, as "rule (impact): targets" lines.
 * axe is evaluated through the DevTools protocol: an injected `<script>` would be refused by
 * the app's Content-Security-Policy, which is the point of that policy.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const found = axeViolations.parse(
    await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        targets: violation.nodes.map((node) => node.target.join(' ')),
      })))`),
  );
  return found
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id} (${violation.impact ?? ''}): ${violation.targets.join(', ')}`,
    );
}

/** Whether the page is wider than the screen (a horizontal scrollbar). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return z
    .boolean()
    .parse(
      await page.evaluate(
        'document.documentElement.scrollWidth > document.documentElement.clientWidth',
      ),
    );
}
