import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@microflack/common/testing';
import { readJsonFile, supervisorState, writeJsonFile } from '../src/local/supervision.js';
import { restartDelay } from '../src/supervisor/supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../dist/supervisor/main.js', import.meta.url));
const policy = { baseMs: 10, maxMs: 40, limit: 3, windowMs: 60_000, stopTimeoutMs: 5000 };

/** Starts a supervisor of a release whose main is `source`, or of `command` when given. */
function supervise(name: string, source: string, command?: string[]) {
  const release = join(dir, name);
  mkdirSync(join(release, 'dist'), { recursive: true });
  writeFileSync(join(release, 'dist', 'main.js'), source);
  const files = {
    specFile: join(dir, `${name}.json`),
    stateFile: join(dir, `${name}.state.json`),
    logFile: join(dir, `${name}.log`),
    pidFile: join(dir, `${name}.pid`),
  };
  const spec = { id: name, service: 'tokens', version: 't', release, policy, command, ...files };
  writeJsonFile(files.specFile, spec);
  const child = spawn(process.execPath, [main, files.specFile, files.pidFile], { stdio: 'ignore' });
  const state = () => readJsonFile(files.stateFile, supervisorState);
  return { child, state, files };
}

describe('restart delay', () => {
  it.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [6, 40],
  ])(
    'when the instance crashed %i times in the window, then the next start waits %i ms',
    (crashes, ms) => {
      expect(restartDelay(crashes, policy)).toBe(ms);
    },
  );
});

describe('supervisor', { timeout: 60_000 }, () => {
  it('when the instance is SIGKILLed, then it is restarted and the restart and exit are recorded', async () => {
    const { child, state } = supervise('killed', 'setInterval(() => undefined, 1000);\n');
    const first = await waitFor(() => state()?.pid, {
      what: 'the first start',
      timeoutMs: 30_000,
    });

    process.kill(first, 'SIGKILL');
    const restarted = await waitFor(
      () => (state()?.restarts === 1 && state()?.status === 'running' ? state() : undefined),
      {
        what: 'the restart',
        timeoutMs: 30_000,
      },
    );
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;

    expect(restarted).toMatchObject({ lastExit: { signal: 'SIGKILL', code: null } });
    expect(restarted.pid).not.toBe(first);
    expect(child.exitCode).toBe(0);
  });

  it('when the instance keeps crashing, then the supervisor gives up after the limit and says so', async () => {
    const { child, state, files } = supervise('looping', 'process.exit(3);\n');

    await once(child, 'exit');

    expect(child.exitCode).toBe(1);
    expect(state()).toMatchObject({ status: 'crash-loop', restarts: 2, lastExit: { code: 3 } });
    expect(existsSync(files.specFile)).toBe(true); // recorded: mfps shows it gave up
    expect(existsSync(files.pidFile)).toBe(false);
  });

  it('when the spec names a program (as HAProxy is run), then that program runs and is restarted after a SIGKILL', async () => {
    const program = [process.execPath, '-e', 'setInterval(() => undefined, 1000);', 'program'];
    const { child, state } = supervise('program', 'process.exit(3);\n', program);
    const first = await waitFor(() => state()?.pid, { what: 'the first start', timeoutMs: 30_000 });

    process.kill(first, 'SIGKILL');
    const restarted = await waitFor(
      () => (state()?.restarts === 1 && state()?.status === 'running' ? state() : undefined),
      { what: 'the restart', timeoutMs: 30_000 },
    );
    const commandLine = readFileSync(`/proc/${restarted.pid ?? 0}/cmdline`, 'utf8');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;

    expect(commandLine.split('\0')).toEqual([...program, '']);
    expect(child.exitCode).toBe(0);
  });
});
