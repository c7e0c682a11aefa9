import { describe, expect, it } from 'vitest';
import { connection, messagesWith, say, twoInTheChat, type Person } from './browser.js';
import type { Platform } from './platform.js';

let platform: Platform;
let ann: Person;
let bob: Person;

twoInTheChat((chat) => ({ platform, ann, bob } = chat));

describe('losing a socketio instance', () => {
  it('when the browser says it went offline, then the chat says so, and says connected when it is back', async () => {
    // The browser's own events, dispatched: Playwright's network emulation fires nothing where
    // Chromium already believes it is offline (a machine without a default route).
    const browserSays = (event: 'offline' | 'online') =>
      ann.page.evaluate(`dispatchEvent(new Event('${event}'))`);

    await browserSays('offline');
    await expect.poll(() => connection(ann.page)).toBe('Offline');
    await browserSays('online');

    await ann.page.locator('.connection.connected').waitFor({ timeout: 15_000 });
  });

  it('when the socketio instances a browser uses stop, then it reconnects and catches up: nothing lost, nothing twice', async () => {
    const writer = await platform.token(await platform.account('writer'));
    const [first, second] = platform.socketio;
    if (!first || !second) throw new Error('two socketio instances expected');

    // A rolling restart: one of two instances goes, messages keep coming.
    const stopping = platform.stop(first);
    for (let i = 0; i < 5; i++) await platform.post(writer, `rolling ${i}`);
    await stopping;
    await expect.poll(() => platform.connections(second)).toBe(2);

    // The only instance goes: whatever is posted now can only come back through the catch-up.
    await platform.stop(second);
    await expect.poll(() => connection(ann.page)).toBe('Reconnecting…');
    for (let i = 0; i < 5; i++) await platform.post(writer, `while away ${i}`);
    await say(ann.page, 'written while away');
    await expect
      .poll(() => ann.page.locator('article.pending').textContent())
      .toContain('Sending…');
    const third = await platform.startSocketio();

    await ann.page.locator('.connection.connected').waitFor({ timeout: 15_000 });
    await expect.poll(() => platform.connections(third), { timeout: 15_000 }).toBe(2);
    await say(ann.page, 'back again');
    for (const text of [
      ...[0, 1, 2, 3, 4].flatMap((i) => [`rolling ${i}`, `while away ${i}`]),
      'written while away',
      'back again',
    ]) {
      await expect.poll(() => messagesWith(ann.page, text).count(), { message: text }).toBe(1);
      await expect.poll(() => messagesWith(bob.page, text).count(), { message: text }).toBe(1);
    }
    expect(await ann.page.locator('article.pending').count()).toBe(0);
  });
});
