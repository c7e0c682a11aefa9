// Operations: `mfrun` to an instance serving, and what a rolling upgrade costs, under chat load.
import type { LocalPlatform } from '@microflack/admin/testing';
import { startChatLoad } from '@microflack/common/testing';
import { type Row } from './row.js';
import { measureGracefulStop, measureKilled } from './stops.js';
import { measureDisconnects } from './websockets.js';

/** Times `mfrun messages` (it returns once the instance is UP and served a check). */
async function timedRun(platform: LocalPlatform): Promise<number> {
  const started = performance.now();
  await platform.run('mfrun', ['messages']);
  return performance.now() - started;
}

/**
 * `mfrun` idle, then under chat load, then a roll of messages and of socketio under load; then,
 * on the three messages instances the rolls left, a SIGKILL and a graceful stop under load, and
 * the WebSocket disconnects a change to the users service causes.
 */
export async function measureOperations(platform: LocalPlatform): Promise<Row[]> {
  const rows = await runsAndRolls(platform);
  rows.push(await measureDisconnects(platform));
  rows.push(...(await measureKilled(platform)));
  rows.push(await measureGracefulStop(platform));
  return rows;
}

/** `mfrun` idle, then under chat load, then a roll of messages and of socketio under load. */
async function runsAndRolls(platform: LocalPlatform): Promise<Row[]> {
  const idleMs = await timedRun(platform);
  const load = await startChatLoad({ url: platform.balancer.url });
  const loadedMs = await timedRun(platform);
  await platform.run('mfupgrade', ['roll', 'messages', '--tag', 'bench-next']);
  await platform.run('mfupgrade', ['roll', 'socketio', '--tag', 'bench-next']);
  const result = await load.stop();
  const failed =
    result.reads.failures.length + result.pageReads.failures.length + result.failures.length;
  const requests = result.reads.requests + result.pageReads.requests + result.posted;
  const rate = Math.round(result.reads.perSecond + result.pageReads.perSecond);
  return [
    {
      scenario: 'operations',
      what: 'mfrun messages to the instance serving: idle vs under chat load',
      measured: `${Math.round(idleMs)} ms`,
      baseline: `${Math.round(loadedMs)} ms`,
      target: '< 2000 ms idle',
      data: { idleMs, loadedMs },
    },
    {
      scenario: 'operations',
      what: 'mfupgrade roll of messages, then socketio, under chat load',
      measured: `${failed} failed of ${requests} at ${rate} req/s; ${result.lost} lost, ${result.duplicated} duplicated`,
      baseline: `${result.reconnects} reconnects caught up`,
      target: '0 failed, 0 lost',
      data: { failed, requests, lost: result.lost, duplicated: result.duplicated },
    },
  ];
}
