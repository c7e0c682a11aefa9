import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { livePostmaster, refuseLiveCluster } from '../src/infra/components.js';
import {
  alive,
  livePid,
  parsePidFile,
  spawnDetached,
  startTimeOf,
  stopPidFile,
} from '../src/infra/processes.js';
import { instancePid } from '../src/local/supervision.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-pids-'));
const started: ChildProcess[] = [];

/** A live process that is none of the platform's: `node -e <wait> <args>`. */
async function stranger(...args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)', ...args], {
    stdio: 'ignore',
  });
  started.push(child);
  await once(child, 'spawn');
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsePidFile', () => {
  it.each([
    ['1234\n', { pid: 1234 }],
    ['1234 98765\n', { pid: 1234, startTime: '98765' }],
    ['', undefined],
    ['-1', undefined],
    ['abc 1', undefined],
  ])('when the file holds %j, then it reads %j', (text, expected) => {
    expect(parsePidFile(text)).toEqual(expected);
  });
});

describe('pid files', () => {
  it('when a pid file names another live process (its start time differs), then nothing signals it', async () => {
    const pid = await stranger();
    const file = join(dir, 'etcd.pid');
    writeFileSync(file, `${pid} 1\n`); // the process that wrote it started at tick 1, long gone

    const stopped = await stopPidFile(file, { program: 'etcd' });

    expect(livePid(file, 'etcd')).toBeUndefined();
    expect(stopped).toBe(false);
    expect(alive(pid)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('when a pid file without a start time names a process of another program, then nothing signals it', async () => {
    const pid = await stranger();
    const file = join(dir, 'redis.pid');
    writeFileSync(file, `${pid}\n`);

    const stopped = await stopPidFile(file, { program: 'redis-server' });

    expect(stopped).toBe(false);
    expect(alive(pid)).toBe(true);
  });

  it('when a pid file was written for the process, then it is found and stopped', async () => {
    const file = join(dir, 'sleeper.pid');
    const child = spawnDetached({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1e9)'],
      logFile: join(dir, 'sleeper.log'),
      pidFile: file,
    });
    const pid = child.pid ?? 0;

    expect(livePid(file)).toBe(pid);
    expect(readFileSync(file, 'utf8')).toBe(`${pid} ${startTimeOf(pid)}\n`);
    expect(await stopPidFile(file)).toBe(true);
    expect(alive(pid)).toBe(false);
  });

  it("when a supervisor's state names a process that is not its child, then it is not the instance", async () => {
    const pid = await stranger();
    const state = { status: 'running' as const, pid, restarts: 0 };

    expect(instancePid(state, process.pid)).toBe(pid); // this test started it: its child
    expect(instancePid(state, 1)).toBeUndefined();
    expect(instancePid(state, undefined)).toBeUndefined();
  });
});

describe('the PostgreSQL cluster guard', () => {
  /** A cluster directory whose `data/postmaster.pid` names `pid`, as PostgreSQL writes it. */
  function cluster(name: string, pid: number): string {
    const path = join(dir, name);
    mkdirSync(join(path, 'data'), { recursive: true });
    writeFileSync(
      join(path, 'data', 'postmaster.pid'),
      `${pid}\n${path}/data\n1700000000\n15432\n`,
    );
    return path;
  }

  it('when a postgres process runs on the cluster, then it may not be deleted', async () => {
    const pid = await stranger('postgres', '-D', 'data');
    const live = cluster('live', pid);

    expect(livePostmaster(live)).toBe(pid);
    expect(() => refuseLiveCluster(live)).toThrow(/in use \(postgres pid \d+\)/);
  });

  it('when its postmaster.pid names another program or a dead process, then it may be deleted', async () => {
    const other = cluster('other', await stranger());
    const dead = cluster('dead', 2 ** 22 + 1);
    const none = join(dir, 'none');

    for (const path of [other, dead, none]) expect(() => refuseLiveCluster(path)).not.toThrow();
  });
});
