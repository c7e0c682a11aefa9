import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceSpec, SupervisorState } from './records.js';
import { appendNote, writeJsonFile } from './records.js';

/** The delay before the restart after `crashes` crashes in the window: doubling, capped. Pure. */
export function restartDelay(crashes: number, { baseMs, maxMs }: InstanceSpec['policy']): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, crashes - 1));
}

/**
 * Runs one instance (`node <release>/dist/main.js`, or the spec's command), as the spec's `runAs`
 * user when it names one, and keeps it running: restarts it after a crash with exponential backoff, gives up after `policy.limit` crashes within `policy.windowMs`,
 * and records every change in the state file. {@link stop} (SIGTERM) stops it gracefully, for good.
 */
export class Supervisor {
  private child: ChildProcess | undefined;
  private crashes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly state: SupervisorState = { status: 'running', restarts: 0 };

  constructor(
    private readonly spec: InstanceSpec,
    private readonly done: (code: number) => void,
  ) {}

  /** Starts the instance process. */
  start(): void {
    const { command, release, logFile, runAs } = this.spec;
    const [program, ...args] = command ?? [process.execPath, join(release, 'dist', 'main.js')];
    // Opened here, by the supervisor: an instance that runs as another user needs no access to
    // the log directory, nor to the state files the supervisor keeps.
    const log = openSync(logFile, 'a');
    try {
      const child = spawn(program ?? process.execPath, args, {
        cwd: release,
        stdio: ['ignore', log, log],
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
      this.child = child;
      child.once('exit', (code, signal) => this.exited(code, signal));
      this.record({ status: 'running', pid: child.pid });
    } finally {
      closeSync(log);
    }
  }

  /** Graceful stop: SIGTERM to the instance (SIGKILL past the timeout); no restart. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.spec.policy.stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    this.note(30, 'instance stopped');
    rmSync(this.spec.stateFile, { force: true });
    this.done(0);
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = undefined;
    const at = Date.now();
    if (this.stopping) return;
    const { policy } = this.spec;
    this.crashes = [...this.crashes.filter((time) => at - time < policy.windowMs), at];
    const lastExit = { code, signal, at };
    if (this.crashes.length >= policy.limit) {
      this.record({ status: 'crash-loop', lastExit, pid: undefined });
      this.note(
        50,
        `instance crashed ${this.crashes.length} times in ${policy.windowMs} ms: giving up`,
        lastExit,
      );
      this.done(1);
      return;
    }
    const delay = restartDelay(this.crashes.length, policy);
    this.record({ status: 'restarting', lastExit, pid: undefined });
    this.note(40, `instance exited, restarting in ${delay} ms`, lastExit);
    this.restartTimer = setTimeout(() => {
      this.state.restarts++;
      this.start();
    }, delay);
  }

  private record(change: Partial<SupervisorState>): void {
    Object.assign(this.state, change);
    writeJsonFile(this.spec.stateFile, this.state);
  }

  /** A pino-shaped line in the instance's log, so `mflogs` shows restarts among its lines. */
  private note(level: number, msg: string, extra: object = {}): void {
    appendNote(this.spec, level, msg, extra);
  }
}
