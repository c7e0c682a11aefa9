import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { startChatLoad, waitFor } from '@microflack/common/testing';
import { backendServers } from './balancer-stats.js';
import { answers, chatRoundTrip, expectNothingLost, since } from './chat.js';
import { ComposeStack } from './compose-stack.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const STATE_DIR = join(ROOT, '.mf', 'docker');

let started: ComposeStack | undefined;

/** The stack `beforeAll` brought up. */
function stack(): ComposeStack {
  if (!started) throw new Error('the stack did not start');
  return started;
}

beforeAll(async () => {
  started = await ComposeStack.create(ROOT, STATE_DIR, inject('dockerHost'), inject('images'));
  const start = performance.now();
  await stack().compose('up', '-d');
  await waitFor(
    async () =>
      (await answers(`${stack().url}/`)) && (await answers(`${stack().url}/api/messages`)),
    { timeoutMs: 600_000, intervalMs: 1000, what: 'the platform through the load balancer' },
  );
  console.info(`docker test: compose up to a routed platform in ${since(start)} s`);
});

afterAll(async () => {
  if (!started) return;
  await started.compose('down', '--volumes', '--remove-orphans', '--timeout', '20');
  expect(await started.leftovers()).toEqual([]);
  await started.remove();
});

describe('the platform on Docker Compose', () => {
  it('when a user registers, signs in and posts, then a Socket.IO client receives the message', async () => {
    const start = performance.now();
    await chatRoundTrip(stack().url, `hello from ${stack().project}`);
    console.info(`docker test: registered, signed in, posted and received in ${since(start)} s`);
  });

  it('when messages is scaled to 3, then every instance takes traffic and no chat message is lost', async () => {
    const load = await startChatLoad({ url: stack().url, readers: 2, posters: 2, listeners: 2 });
    await stack().compose('up', '-d', '--no-recreate', '--scale', 'messages=3');
    await waitFor(
      async () => {
        const servers = await backendServers(stack().stats, 'messages');
        return servers.length === 3 && servers.every((server) => server.status === 'UP');
      },
      { timeoutMs: 300_000, intervalMs: 1000, what: 'three messages instances up' },
    );
    await waitFor(
      async () => (await backendServers(stack().stats, 'messages')).every(({ total }) => total > 0),
      { timeoutMs: 120_000, intervalMs: 500, what: 'every messages instance taking requests' },
    );
    expectNothingLost(await load.stop());
  });
});

/** One line of `mfps --json`. */
const psRow = z.looseObject({
  instance: z.string(),
  service: z.string(),
  version: z.string(),
  balancer: z.string(),
  restarts: z.union([z.number(), z.string()]),
});

/** `mfps [service] --json` on the stack, parsed. */
async function mfps(...args: string[]) {
  const { stdout } = await stack().admin('mfps', ...args, '--json');
  return z.array(psRow).parse(JSON.parse(stdout));
}

/** The load balancer's messages servers, each with the requests it took. */
const messagesServers = () => backendServers(stack().stats, 'messages');

describe('the admin commands on the Docker runtime', () => {
  it('when mfrun starts a messages container under chat load, then it takes traffic and mfps lists it', async () => {
    const load = await startChatLoad({ url: stack().url, readers: 2, posters: 2, listeners: 2 });
    const { stdout } = await stack().admin('mfrun', 'messages');
    const id = /^(messages-\S+) takes traffic \(1\/1\)$/m.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    await waitFor(
      async () => (await messagesServers()).some((s) => s.server === id && s.total > 0),
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: `${id} taking requests`,
      },
    );
    expectNothingLost(await load.stop());
    const rows = await mfps('messages');
    expect(rows.find((row) => row.instance === id)).toMatchObject({ balancer: 'UP', restarts: 0 });
    const labelled = await stack().docker(
      'ps',
      '-q',
      '--filter',
      `label=org.microflack.instance=${id}`,
    );
    expect(labelled.stdout.trim()).not.toBe('');
  });

  // Four containers to start, one after the other, on a busy machine: minutes.
  it(
    'when mfupgrade rolls messages to a new image tag under chat load, then no request fails and no message is lost',
    { timeout: 900_000 },
    async () => {
      const load = await startChatLoad({ url: stack().url, readers: 2, posters: 2, listeners: 2 });
      const before = await mfps('messages');
      const { stdout } = await stack().rollMessagesToNext('docker');
      expect(stdout).toContain(
        `messages: rolled to next (${before.length} new, ${before.length} replaced)`,
      );
      expectNothingLost(await load.stop());
      const after = await mfps('messages');
      expect(after.map((row) => [row.version, row.balancer])).toEqual(
        before.map(() => ['next', 'UP']),
      );
    },
  );

  it('when mfkill stops a messages container, then it leaves the registry and the engine', async () => {
    const [first, ...others] = await mfps('messages');
    if (!first) throw new Error('no messages instance');
    await stack().admin('mfkill', first.instance);
    expect((await mfps('messages')).map((row) => row.instance)).toEqual(
      others.map((row) => row.instance),
    );
    const labelled = await stack().docker(
      'ps',
      '-a',
      '-q',
      '--filter',
      `label=org.microflack.instance=${first.instance}`,
    );
    expect(labelled.stdout.trim()).toBe('');
  });
});
