import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRequestLoop, waitFor } from '@microflack/common/testing';
import { LocalPlatform } from '@microflack/admin/testing';

let platform: LocalPlatform;

beforeAll(async () => {
  platform = await LocalPlatform.start();
  await platform.run('mfrun', ['messages', '--count', '2', '--tag', 'v1']);
}, 180_000);

afterAll(() => platform.stop(), 120_000);

/** A release whose main exits at once: it never becomes healthy. */
function makeBrokenRelease(tag: string): void {
  const dir = join(platform.state, 'releases', 'messages', tag);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(
    join(dir, 'dist', 'main.js'),
    'console.error("broken on purpose"); process.exit(3);\n',
  );
  writeFileSync(join(dir, '.release-complete'), 'test\n');
}

describe('mfupgrade', () => {
  it(
    'when messages is rolled under load, then no request fails and every instance runs the new release',
    { timeout: 300_000 },
    async () => {
      const loop = startRequestLoop({
        url: `${platform.balancer.url}/api/messages`,
        concurrency: 16,
        maxRequests: 1_000_000,
        maxMs: 240_000,
      });
      await loop.warm;

      const rolled = await platform.run('mfupgrade', ['roll', 'messages', '--tag', 'v2']);
      const result = await loop.stop();
      const after = await platform.ps('messages');

      // The rate is the machine's, not the platform's: printed, never asserted.
      console.info(`roll of messages under load: ${Math.round(result.perSecond)} requests/s`);
      expect(result.failures).toEqual([]);
      expect(result.requests).toBeGreaterThan(100); // the load really ran through the roll
      expect(rolled.stdout).toMatch(/messages: rolled to v2 \(2 new, 2 replaced\)/);
      expect(after.map((row) => [row.version, row.balancer])).toEqual([
        ['v2', 'UP'],
        ['v2', 'UP'],
      ]);
      for (const row of after)
        expect(platform.commandLine(row.instance)).toContain(`/releases/messages/v2/dist/main.js`);
    },
  );

  it(
    'when the new release never becomes healthy, then the roll stops with one error line and the old instances keep serving',
    { timeout: 120_000 },
    async () => {
      makeBrokenRelease('broken');
      const before = await platform.ps('messages');

      const failed = platform.run('mfupgrade', [
        'roll',
        'messages',
        '--tag',
        'broken',
        '--timeout',
        '30',
      ]);

      await expect(failed).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(
          /^error: the new messages broken did not become healthy: [^\n]*\n$/,
        ) as unknown,
      });
      expect(await platform.ps('messages')).toEqual(before);
      expect((await platform.run('mfupgrade', ['status'])).stdout).toBe('no upgrade under way\n');
    },
  );

  it(
    'when a canary is tried, then a second upgrade is refused, status shows it and abort removes it',
    { timeout: 180_000 },
    async () => {
      const tried = await platform.run('mfupgrade', ['try', 'messages', '--tag', 'v1']);
      const second = platform.run('mfupgrade', ['roll', 'messages', '--tag', 'v3']);
      await expect(second).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(
          /^error: an upgrade is under way: messages: try to v1/,
        ) as unknown,
      });
      const status = await platform.run('mfupgrade', ['status']);
      const during = await platform.ps('messages');

      await platform.run('mfupgrade', ['abort', 'messages']);
      const after = await platform.ps('messages');

      expect(tried.stdout).toMatch(/canary messages-v1-[0-9a-f]{8} runs v1 beside 2 old/);
      expect(status.stdout).toMatch(
        /^messages: try to v1, 0\/2 replaced, canary; new: messages-v1-/,
      );
      expect(during.map((row) => row.version).sort()).toEqual(['v1', 'v2', 'v2']);
      expect(after.map((row) => row.version)).toEqual(['v2', 'v2']);
    },
  );

  it(
    'when a release exists, then it is reused, not rebuilt, and shares no file with the working tree',
    { timeout: 120_000 },
    async () => {
      const again = await platform.run('mfrun', ['messages', '--tag', 'v2']);
      const id = /registered (\S+)/.exec(again.stdout)?.[1] ?? '';
      await platform.run('mfkill', [id]);
      const copies = join(platform.state, 'releases', 'messages', 'v2', 'node_modules', '.pnpm');
      const copy = readdirSync(copies).find((name) => name.startsWith('@microflack+common')) ?? '';
      const dist = join(copies, copy, 'node_modules', '@microflack', 'common', 'dist');
      const files = readdirSync(dist, { recursive: true, encoding: 'utf8' });

      expect(again.stdout).not.toMatch(/built release/);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const stat = lstatSync(join(dist, file));
        if (stat.isFile()) expect(stat.nlink).toBe(1);
      }
    },
  );

  it(
    'when an instance is killed with --force under load, then its supervisor brings it back',
    { timeout: 120_000 },
    async () => {
      const loop = startRequestLoop({
        url: `${platform.balancer.url}/api/messages`,
        concurrency: 16,
        maxRequests: 1_000_000,
        maxMs: 100_000,
      });
      await loop.warm;
      const [victim] = await platform.ps('messages');

      const killed = await platform.run('mfkill', [victim?.instance ?? '', '--force']);
      const back = await waitFor(
        async () =>
          (await platform.ps('messages')).find(
            (row) =>
              row.instance === victim?.instance && row.restarts === 1 && row.balancer === 'UP',
          ),
        { what: 'the killed instance UP again', timeoutMs: 60_000 },
      );
      const result = await loop.stop();

      expect(killed.stdout).toMatch(/its supervisor restarts it/);
      expect(back.lastExit).toBe('SIGKILL');
      // What a crash costs is measured, not asserted: requests in flight on the killed instance.
      console.info(`--force under load: ${result.failures.length} failed of ${result.requests}`);
    },
  );

  it('when the service or the tag is bad, then one error line and exit 1', async () => {
    await expect(platform.run('mfupgrade', ['roll', 'chat'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: unknown service "chat"/) as unknown,
    });
    await expect(
      platform.run('mfupgrade', ['try', 'messages', '--tag', '../x']),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: bad tag "\.\.\/x"/) as unknown,
    });
  });
});
