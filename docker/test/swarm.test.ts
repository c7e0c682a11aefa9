import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startChatLoad, waitFor } from '@microflack/common/testing';
import { backendServers } from './balancer-stats.js';
import { chatRoundTrip, expectNothingLost, since } from './chat.js';
import { ComposeStack } from './compose-stack.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const STATE_DIR = join(ROOT, '.mf', 'docker');

let started: ComposeStack | undefined;
/** Whether the engine was in a swarm before the test (then the test does not leave it). */
let wasInSwarm = false;

/** The stack `beforeAll` deployed. */
function stack(): ComposeStack {
  if (!started) throw new Error('the stack was not deployed');
  return started;
}

async function swarmState(): Promise<string> {
  return (await stack().docker('info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim();
}

beforeAll(async () => {
  started = await ComposeStack.create(ROOT, STATE_DIR, inject('dockerHost'), inject('images'));
  wasInSwarm = (await swarmState()) === 'active';
  const start = performance.now();
  await stack().mfstack('up');
  console.info(`docker test: mfstack up to every service UP in ${since(start)} s`);
});

afterAll(async () => {
  if (!started) return;
  await started.mfstack('down', '--volumes');
  expect(await started.leftovers('stack')).toEqual([]);
  if (!wasInSwarm) {
    await started.mfstack('down', '--leave');
    expect(await swarmState()).toBe('inactive');
    const networks = await started.docker('network', 'ls', '--format', '{{.Name}}');
    expect(networks.stdout.split('\n')).not.toContain('docker_gwbridge');
  }
  await started.remove();
});

describe('the platform as a swarm stack', () => {
  it('when a user registers, signs in and posts, then a Socket.IO client receives the message', async () => {
    await chatRoundTrip(stack().url, `hello from the stack ${stack().project}`);
  });

  it('when mfrun scales messages under chat load, then every replica takes traffic and no message is lost', async () => {
    const load = await startChatLoad({ url: stack().url, readers: 2, posters: 2, listeners: 2 });
    const { stdout } = await stack().adminOn('swarm', 'mfrun', 'messages', '--count', '2');
    expect(stdout).toMatch(/^messages-\S+ takes traffic \(2\/2\)$/m);
    await waitFor(
      async () => {
        const servers = await backendServers(stack().stats, 'messages');
        return servers.length === 3 && servers.every((server) => server.total > 0);
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'three messages replicas taking requests' },
    );
    expectNothingLost(await load.stop());
  });

  it('when mfupgrade rolls messages to a new image tag, then every replica runs it', async () => {
    const { stdout } = await stack().rollMessagesToNext('swarm');
    expect(stdout).toContain('messages: rolled to next (3 replaced)');
    const servers = await backendServers(stack().stats, 'messages');
    expect(servers.map((server) => [server.server.split('-')[1], server.status])).toEqual(
      servers.map(() => ['next', 'UP']),
    );
  });
});
