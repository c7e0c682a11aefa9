import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@microflack/common/testing';
import { ChatLoad } from './chat-load.js';
import { LocalPlatform } from './local-platform.js';

const run = promisify(execFile);

// Dependencies first, as mfup starts them.
const SERVICES = ['users', 'tokens', 'messages', 'socketio', 'ui'] as const;

let platform: LocalPlatform;
let load: ChatLoad;

beforeAll(async () => {
  platform = await LocalPlatform.start();
  // Sign-ins hash with bcrypt: the test's cost keeps the machine for the load, not for bcrypt.
  platform.env.BCRYPT_COST = '4';
  for (const service of SERVICES) await platform.run('mfrun', [service, '--tag', 'v1']);
  load = await ChatLoad.start(platform.balancer.url, { posters: 4, sockets: 6, readers: 16 });
  await waitFor(() => load.connects() >= 6, {
    what: 'every chat client connected',
    timeoutMs: 60_000,
  });
}, 600_000);

afterAll(async () => {
  await load.stop();
  await platform.stop();
}, 120_000);

/** A copy of the `from` release of `service` named `to`: a newer release to roll to. */
async function copyRelease(service: string, from: string, to: string): Promise<void> {
  const releases = join(platform.state, 'releases', service);
  await run('cp', ['-a', join(releases, from), join(releases, to)]);
}

/**
 * Runs `operation` under the load and returns what it cost: the requests that failed meanwhile
 * (the rate is reported, not asserted: it is the machine's, and the benchmark's to quote),
 * and, once every client had the time to receive or catch up every post acknowledged until the
 * operation ended, the posts some client still misses (none expected: the wait fails first).
 */
async function underLoad(operation: () => Promise<unknown>) {
  const failedBefore = load.failures.length;
  const requestsBefore = load.requests;
  const postsBefore = load.posted.size;
  const started = Date.now();
  await operation();
  const seconds = (Date.now() - started) / 1000;
  const posted = [...load.posted];
  await waitFor(() => load.missing(posted).length === 0, {
    what: 'every acknowledged post at every chat client',
    timeoutMs: 60_000,
  }).catch(() => undefined);
  return {
    failures: load.failures.slice(failedBefore),
    requests: load.requests - requestsBefore,
    perSecond: (load.requests - requestsBefore) / seconds,
    missing: load.missing(posted),
    /** Posts acknowledged while the operation ran: it ran under mixed load, reads and posts. */
    posts: posted.length - postsBefore,
  };
}

describe('operations on a whole platform under steady mixed load', () => {
  it(
    'when messages is scaled to 3 and back to 2, then no request fails and no chat message is lost',
    { timeout: 300_000 },
    async () => {
      const cost = await underLoad(async () => {
        await platform.run('mfrun', ['messages', '--count', '2', '--tag', 'v1']);
        const [oldest] = await platform.ps('messages');
        await platform.run('mfkill', [oldest?.instance ?? '']);
      });
      const after = await platform.ps('messages');
      console.info(
        `mfrun/mfkill messages: ${cost.requests} requests at ${cost.perSecond.toFixed(0)} req/s, ${cost.posts} posts`,
      );

      expect(cost.failures).toEqual([]);
      expect(cost.missing).toEqual([]);
      expect(after.map((row) => [row.version, row.balancer])).toEqual([
        ['v1', 'UP'],
        ['v1', 'UP'],
      ]);
      expect(cost.posts).toBeGreaterThan(0);
    },
  );

  for (const service of ['ui', 'users', 'tokens', 'messages', 'socketio'] as const) {
    it(
      `when ${service} is rolled to a newer release, then no request fails, no chat message is lost and every instance runs it`,
      { timeout: 300_000 },
      async () => {
        await copyRelease(service, 'v1', 'v2');
        const before = await platform.ps(service);
        const connectsBefore = load.connects();

        const cost = await underLoad(() =>
          platform.run('mfupgrade', ['roll', service, '--tag', 'v2']),
        );
        const after = await platform.ps(service);
        console.info(
          `roll ${service}: ${cost.requests} requests at ${cost.perSecond.toFixed(0)} req/s, ${cost.posts} posts, ${load.connects() - connectsBefore} socket reconnects`,
        );

        expect(cost.failures).toEqual([]);
        expect(cost.missing).toEqual([]);
        expect(after.map((row) => [row.version, row.balancer])).toEqual(
          before.map(() => ['v2', 'UP']),
        );
        for (const row of after)
          expect(platform.commandLine(row.instance)).toContain(
            `/releases/${service}/v2/dist/main.js`,
          );
        // Rolling socketio moves every chat client to a new instance; the others move none.
        if (service === 'socketio') expect(load.connects()).toBeGreaterThan(connectsBefore);
        expect(cost.posts).toBeGreaterThan(0);
      },
    );
  }
});
