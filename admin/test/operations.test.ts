import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatLoad, type ChatLoad, type ChatLoadResult } from '@microflack/common/testing';
import { LocalPlatform } from '@microflack/admin/testing';

// The whole platform, every service on the local runtime, operated while people chat: REST
// readers and posters and Socket.IO listeners that catch up after a reconnect, like the ui.
const SERVICES = ['users', 'tokens', 'messages', 'socketio', 'ui'] as const;

let platform: LocalPlatform;

beforeAll(async () => {
  platform = await LocalPlatform.start();
  for (const service of SERVICES) await platform.run('mfrun', [service, '--tag', 'v1']);
}, 300_000);

afterAll(() => platform.stop(), 120_000);

/**
 * Runs `operation` under a chat load and reports what the load saw. The rate is printed, not
 * asserted: on an idle machine the readers make 250–600 requests/s; a busy one slows them.
 */
async function underLoad(operation: () => Promise<unknown>): Promise<ChatLoadResult> {
  const load: ChatLoad = await startChatLoad({ url: platform.balancer.url });
  await operation();
  const result = await load.stop();
  console.info(
    `${result.reads.requests + result.pageReads.requests} reads at ` +
      `${Math.round(result.reads.perSecond + result.pageReads.perSecond)}/s, ` +
      `${result.posted} posts, ${result.reconnects} reconnects`,
  );
  return result;
}

/** Nothing failed, nothing lost, nothing stored twice. */
function expectNothingLost(result: ChatLoadResult): void {
  expect(result.reads.failures).toEqual([]);
  expect(result.pageReads.failures).toEqual([]);
  expect(result.failures).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
  expect(result.posted).toBeGreaterThan(0);
}

describe('operations under chat load', () => {
  it(
    'when messages is scaled out by two and one is stopped, then nothing fails and nothing is lost',
    { timeout: 180_000 },
    async () => {
      const result = await underLoad(async () => {
        await platform.run('mfrun', ['messages', '--count', '2', '--tag', 'v1']);
        const [first] = await platform.ps('messages');
        await platform.run('mfkill', [first?.instance ?? '']);
      });

      expectNothingLost(result);
      expect(await platform.ps('messages')).toHaveLength(2);
    },
  );

  it.each(SERVICES)(
    'when %s is rolled to a new release, then nothing fails, nothing is lost and every instance runs it',
    { timeout: 240_000 },
    async (service) => {
      const before = await platform.ps(service);

      const result = await underLoad(() =>
        platform.run('mfupgrade', ['roll', service, '--tag', 'v2']),
      );
      const after = await platform.ps(service);

      expectNothingLost(result);
      expect(after.map((row) => [row.version, row.balancer])).toEqual(
        before.map(() => ['v2', 'UP']),
      );
      for (const row of after)
        expect(platform.commandLine(row.instance)).toContain(`/releases/${service}/v2/dist/`);
    },
  );
});
