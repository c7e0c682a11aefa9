import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { currentEnv, waitUntil } from '@microflack/common/registry';

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in `file` if that process is alive, else undefined. */
export function livePid(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

/** How to start a long-running process that outlives the command that starts it. */
export interface DetachedSpec {
  command: string;
  args: readonly string[];
  logFile: string;
  pidFile: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * Starts `spec` in its own process group, output appended to its log, pid written to its pid
 * file. The child does not keep this process alive, but its `exit` event still fires meanwhile.
 */
export function spawnDetached(spec: DetachedSpec): ChildProcess {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: spec.env ?? currentEnv(),
      cwd: spec.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child;
  } finally {
    closeSync(log);
  }
}

/** Sends `signal` to the process in `pidFile` and waits until it has exited; removes the pid file. */
export async function stopPidFile(
  pidFile: string,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 30_000,
): Promise<boolean> {
  const pid = livePid(pidFile);
  if (pid !== undefined) {
    process.kill(pid, signal);
    await waitUntil(() => !alive(pid), { what: `exit of pid ${pid}`, timeoutMs });
  }
  rmSync(pidFile, { force: true });
  return pid !== undefined;
}
