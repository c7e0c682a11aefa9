import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '@microflack/admin/testing';
import { expectNothingLost, expectRolledUnderLoad, underLoad } from './under-load.js';

// The whole platform, every service on the local runtime, operated while people chat: REST
// readers and posters and Socket.IO listeners that catch up after a reconnect, like the ui.
const SERVICES = ['users', 'tokens', 'messages', 'socketio', 'ui'] as const;

let platform: LocalPlatform;

beforeAll(async () => {
  platform = await LocalPlatform.start();
  for (const service of SERVICES) await platform.run('mfrun', [service, '--tag', 'v1']);
}, 300_000);

afterAll(() => platform.stop(), 120_000);

describe('operations under chat load', () => {
  it(
    'when messages is scaled out by two and one is stopped, then nothing fails and nothing is lost',
    { timeout: 180_000 },
    async () => {
      const result = await underLoad(platform.balancer.url, async () => {
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
      const { after } = await expectRolledUnderLoad(platform, service, 'v2');
      for (const row of after)
        expect(platform.commandLine(row.instance)).toContain(`/releases/${service}/v2/dist/`);
    },
  );
});
