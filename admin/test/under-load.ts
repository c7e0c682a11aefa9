// Operations under a chat load, as every admin test that operates a whole platform runs them.
import { expect } from 'vitest';
import { startChatLoad, type ChatLoad, type ChatLoadResult } from '@microflack/common/testing';
import type { LocalPlatform } from '@microflack/admin/testing';

/**
 * Runs `operation` under a chat load through the load balancer at `url` and reports what the load
 * saw. The rate is printed, not asserted: on an idle machine the readers make 250–600 requests/s;
 * a busy one slows them.
 */
export async function underLoad(
  url: string,
  operation: () => Promise<unknown>,
): Promise<ChatLoadResult> {
  const load: ChatLoad = await startChatLoad({ url });
  await operation();
  const result = await load.stop();
  console.info(
    `${result.reads.requests + result.pageReads.requests} reads at ` +
      `${Math.round(result.reads.perSecond + result.pageReads.perSecond)}/s, ` +
      `${result.posted} posts (${result.resent} sent again), ${result.reconnects} reconnects`,
  );
  return result;
}

/** Nothing failed, nothing lost, nothing stored twice. */
export function expectNothingLost(result: ChatLoadResult): void {
  expect(result.reads.failures).toEqual([]);
  expect(result.pageReads.failures).toEqual([]);
  expect(result.failures).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
  expect(result.posted).toBeGreaterThan(0);
}

/**
 * Rolls every instance of `service` to the release `tag` under a chat load, and expects nothing
 * failed or lost and as many instances as before, each on `tag` and UP. @returns the load's
 * result and the instances after the roll.
 */
export async function expectRolledUnderLoad(platform: LocalPlatform, service: string, tag: string) {
  const before = await platform.ps(service);
  const result = await underLoad(platform.balancer.url, () =>
    platform.run('mfupgrade', ['roll', service, '--tag', tag]),
  );
  expectNothingLost(result);
  const after = await platform.ps(service);
  expect(after.map((row) => [row.version, row.balancer])).toEqual(before.map(() => [tag, 'UP']));
  return { result, after };
}
