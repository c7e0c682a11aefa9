import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from './wait.js';

/** A program a test starts, kills as abruptly as a crash, and may start again. */
export interface Crashable {
  /** Starts it and resolves once `answers` says it serves. */
  start: () => Promise<void>;
  /** SIGKILLs it and resolves once it has exited (nothing when it does not run). */
  kill: () => Promise<void>;
}

/** `launch` (which spawns the program) as a {@link Crashable}; `what` names it in a timeout. */
export function crashable(
  launch: () => ChildProcess,
  answers: () => Promise<boolean>,
  what: string,
): Crashable {
  let child: ChildProcess | undefined;
  return {
    start: async () => {
      child = launch();
      await waitFor(answers, { timeoutMs: 10_000, what });
    },
    kill: async () => {
      if (!child || child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
