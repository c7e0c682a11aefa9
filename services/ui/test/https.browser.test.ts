import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@microflack/haproxy';
import { enter, messagesWith, say, twoInTheChat, type Person } from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let ann: Person;
let bob: Person;

const person = twoInTheChat((chat) => ({ platform, ann, bob } = chat), { https: true });

describe('the chat over HTTPS', () => {
  it('when two people chat over HTTPS, then messages go both ways over wss, and nothing goes in the clear', async () => {
    await say(ann.page, 'over **TLS**');
    await expect.poll(() => messagesWith(bob.page, 'over TLS').count()).toBe(1);
    await say(bob.page, 'and back over TLS');
    await expect.poll(() => messagesWith(ann.page, 'and back over TLS').count()).toBe(1);

    const wss = `${platform.pageUrl.replace(/^https:/, 'wss:')}/socket.io/`;
    for (const { page, seen } of [ann, bob]) {
      expect(page.url()).toMatch(/^https:/);
      expect(seen.webSockets.some((url) => url.startsWith(wss))).toBe(true);
      expect(seen.webSockets.filter((url) => !url.startsWith('wss:'))).toEqual([]);
      expect(seen.errors).toEqual([]);
    }
  });

  it('when a browser cannot open WebSockets, then it chats over HTTPS long polling, with a Secure Socket.IO cookie', async () => {
    const cy = await person('cy');
    // As behind a proxy that refuses WebSockets: every handshake fails (the path answers a page,
    // not a 101). The app falls back to long polling, which needs the session cookie that keeps
    // its requests on one socketio instance.
    await cy.context.addInitScript(`{
      const Real = WebSocket;
      globalThis.WebSocket = class extends Real {
        constructor(url, protocols) {
          super(String(url).replace('/socket.io/', '/no-websockets/'), protocols);
        }
      };
    }`);
    await enter(cy.page, platform.pageUrl, cy.account);

    await say(cy.page, 'polling over TLS');
    await expect.poll(() => messagesWith(ann.page, 'polling over TLS').count()).toBe(1);
    await say(bob.page, 'heard by polling');
    await expect.poll(() => messagesWith(cy.page, 'heard by polling').count()).toBe(1);

    const cookies = await cy.context.cookies(platform.pageUrl);
    expect(cookies.find((cookie) => cookie.name === SESSION_COOKIE)).toMatchObject({
      secure: true,
      httpOnly: true,
    });
    expect(cookies.filter((cookie) => !cookie.secure)).toEqual([]);
    expect(cy.seen.webSockets.filter((url) => !url.includes('/no-websockets/'))).toEqual([]);
    // Chromium reports each refused handshake on the console; nothing else went wrong.
    expect(cy.seen.errors.filter((error) => !error.includes('/no-websockets/'))).toEqual([]);
    await cy.context.close();
  });

  it('when the page is reloaded over HTTPS, then the answer carries HSTS and the chat goes on', async () => {
    const response = await ann.page.reload();

    expect(response?.headers()['strict-transport-security']).toBe('max-age=600');
    await ann.page.locator('.connection.connected').waitFor();
    expect(await messagesWith(ann.page, 'and back over TLS').count()).toBe(1);
  });
});
