import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bearer, signedInUser, type SignedInUser } from '@microflack/common/testing';
import { LocalPlatform } from '@microflack/admin/testing';
import { buildOldTree, hasCommit, type OldTree } from './old-tree.js';
import { expectRolledUnderLoad } from './under-load.js';

// The channels release rolled out like a schema change (docs/migrations.md): the release before
// it runs everywhere, built from its own commit, and messages, socketio and ui are rolled to the
// working tree one after the other while people chat with clients that know no channels. Two
// messages instances, so old and new ones serve side by side on one database for a while.

/** The last commit before channels (main when the channels branch began). */
const BEFORE_CHANNELS = 'e9c81dc875882d30066a69757e197009d77ec3b0';
const SERVICES = ['users', 'tokens', 'messages', 'socketio', 'ui'] as const;
const ROLLED = ['messages', 'socketio', 'ui'] as const;

const message = z.looseObject({ id: z.number(), source: z.string(), channel_id: z.number() });
const messageList = z.object({ messages: z.array(message) });
const channel = z.looseObject({ id: z.number(), name: z.string() });

let platform: LocalPlatform;
let oldTree: OldTree | undefined;
/** A post of a client that knows no channels, made while only the release before ran. */
let oldPostId: number;
let loadPosts = 0;

/** `path` through the load balancer, as `user` when given; the answer's status and JSON. */
async function call(path: string, user?: SignedInUser, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user) headers.authorization = bearer(user.token);
  const response = await fetch(`${platform.balancer.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await response.json();
  return { status: response.status, json };
}

/** Every live message of a channel, paging back with `before`. */
async function channelMessages(channelId: number): Promise<z.infer<typeof message>[]> {
  const all: z.infer<typeof message>[] = [];
  for (let before = ''; ;) {
    const query = `channel_id=${channelId}&limit=500${before}`;
    const page = messageList.parse((await call(`/api/messages?${query}`)).json).messages;
    if (page.length === 0) return all;
    all.push(...page);
    before = `&before=${Math.min(...page.map((row) => row.id))}`;
  }
}

/** A shallow clone lacks the release before: the test cannot build it, and says so. */
const releaseBefore = await hasCommit(BEFORE_CHANNELS);
if (!releaseBefore)
  console.warn(`skipped: this clone lacks ${BEFORE_CHANNELS} (shallow?); git fetch --unshallow`);

describe.skipIf(!releaseBefore)('the channels release rolled out from the release before', () => {
  beforeAll(async () => {
    platform = await LocalPlatform.start();
    oldTree = await buildOldTree(BEFORE_CHANNELS);
    for (const service of SERVICES) {
      const count = service === 'messages' ? ['--count', '2'] : [];
      await oldTree.run('mfrun', [service, '--tag', 'v1', ...count], platform.env);
    }
    // The release before knows no channels: its messages has no channels migration.
    const v1 = join(platform.state, 'releases', 'messages', 'v1');
    expect(existsSync(join(v1, 'migrations', '001_messages.sql'))).toBe(true);
    expect(existsSync(join(v1, 'migrations', '004_channels.sql'))).toBe(false);
    const user = await signedInUser(platform.balancer.url, 'old');
    const posted = await call('/api/messages', user, { source: 'posted before channels' });
    expect(posted.status).toBe(201);
    oldPostId = z.looseObject({ id: z.number() }).parse(posted.json).id;
  }, 900_000);

  afterAll(async () => {
    oldTree?.remove();
    await platform.stop();
  }, 120_000);

  it.each(ROLLED)(
    'when %s is rolled to the channels release under chat load, then nothing fails and nothing is lost',
    { timeout: 300_000 },
    async (service) => {
      const { result } = await expectRolledUnderLoad(platform, service, 'v2');
      loadPosts += result.posted;
    },
  );

  it('when everything is rolled, then the old posts are in #general and a new client can use channels', async () => {
    const general = await channelMessages(1);
    expect(general.find((row) => row.id === oldPostId)?.channel_id).toBe(1);
    expect(general.filter((row) => row.source.startsWith('load ')).length).toBeGreaterThanOrEqual(
      loadPosts,
    );

    const user = await signedInUser(platform.balancer.url, 'new');
    const created = await call('/api/channels', user, { name: `rolled-${Date.now()}` });
    expect(created.status).toBe(201);
    const { id } = channel.parse(created.json);
    const posted = await call('/api/messages', user, { source: 'in a channel', channel_id: id });
    expect(posted.status).toBe(201);

    expect((await channelMessages(id)).map((row) => row.source)).toEqual(['in a channel']);
    const generalNow = await channelMessages(1);
    expect(generalNow.some((row) => row.source === 'in a channel')).toBe(false);
  });
});
