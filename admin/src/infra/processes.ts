import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { currentEnv, waitUntil } from '@microflack/common/registry';

/**
 * Whether a process with this pid runs. A zombie does not: one that died after its parent left
 * waits for PID 1 to reap it, which in a container may never happen, and it keeps its pid and
 * start time meanwhile.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return statFields(pid)?.[0] !== 'Z';
}

/** The fields of `/proc/<pid>/stat` after the command name (field 3 first), or undefined. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** When process `pid` started (clock ticks after boot, `/proc` field 22), or undefined. */
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** The parent of process `pid`, or undefined when there is no such process. */
export function parentOf(pid: number): number | undefined {
  const parent = statFields(pid)?.[1];
  return parent === undefined ? undefined : Number(parent);
}

/** Whether process `pid` runs a command line that contains `program`. */
export function runs(pid: number, program: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(program);
  } catch {
    return false;
  }
}

/** A pid file's content: the pid, and that process's start time when it was recorded. Pure. */
export function parsePidFile(text: string): { pid: number; startTime?: string } | undefined {
  const [first = '', startTime] = text.trim().split(/\s+/);
  const pid = Number(first);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return startTime === undefined ? { pid } : { pid, startTime };
}

/**
 * The pid in `file` if it still names the process the file was written for, else undefined: a
 * process with that pid runs and started when the file says ({@link spawnDetached} records it),
 * or, in a pid file without a start time (Redis writes its own), its command line contains
 * `program`. A pid the system gave to another process since (after a crash or a reboot) is never
 * taken for the one that died, so nothing signals a stranger.
 */
export function livePid(file: string, program?: string): number | undefined {
  let recorded: ReturnType<typeof parsePidFile>;
  try {
    recorded = parsePidFile(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (recorded === undefined || !alive(recorded.pid)) return undefined;
  const { pid, startTime } = recorded;
  if (startTime !== undefined) return startTimeOf(pid) === startTime ? pid : undefined;
  return program !== undefined && runs(pid, program) ? pid : undefined;
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
    writeFileSync(spec.pidFile, `${child.pid} ${startTimeOf(child.pid) ?? ''}\n`);
    return child;
  } finally {
    closeSync(log);
  }
}

/** How {@link stopPidFile} stops a process. */
export interface StopOptions {
  /** What the process's command line contains, for a pid file without a start time. */
  program?: string;
  signal?: NodeJS.Signals;
  timeoutMs?: number;
}

/**
 * Sends a signal (SIGTERM by default) to the process `pidFile` names, if {@link livePid} says the
 * file still names it, and waits until it has exited; removes the pid file either way.
 */
export async function stopPidFile(pidFile: string, options: StopOptions = {}): Promise<boolean> {
  const { program, signal = 'SIGTERM', timeoutMs = 30_000 } = options;
  const pid = livePid(pidFile, program);
  if (pid !== undefined) {
    const startTime = startTimeOf(pid);
    process.kill(pid, signal);
    await waitUntil(() => !alive(pid) || startTimeOf(pid) !== startTime, {
      what: `exit of pid ${pid}`,
      timeoutMs,
    });
  }
  rmSync(pidFile, { force: true });
  return pid !== undefined;
}
