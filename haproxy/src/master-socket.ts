import { backOff } from '@microflack/common';
import { CliSocket, isRetryable } from './cli-socket.js';

/** The master's view of its processes (`show proc`). */
export interface ProcessTable {
  masterPid: number;
  /** Reloads the master has done since it started. */
  reloads: number;
  /** Reloads that failed (the master then keeps the previous workers). */
  failedReloads: number;
  /** The current worker(s). */
  workers: number[];
  /** Workers of previous configurations still finishing their connections. */
  oldWorkers: number[];
}

/** Parses the master CLI's `show proc` output (HAProxy 2.6). Pure. */
export function parseProcessTable(text: string): ProcessTable {
  const table: ProcessTable = {
    masterPid: 0,
    reloads: 0,
    failedReloads: 0,
    workers: [],
    oldWorkers: [],
  };
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      section = line.startsWith('#<') ? '' : line.slice(1).trim();
      continue;
    }
    const master = /^(\d+)\s+master\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?/.exec(line);
    if (master) {
      table.masterPid = Number(master[1]);
      table.reloads = Number(master[2]);
      table.failedReloads = Number(master[3] ?? 0);
      continue;
    }
    const worker = /^(\d+)\s+worker\s/.exec(line);
    if (worker)
      (section === 'old workers' ? table.oldWorkers : table.workers).push(Number(worker[1]));
  }
  if (table.masterPid === 0) throw new Error(`not a show proc answer: ${text.slice(0, 200)}`);
  return table;
}

/**
 * A client of HAProxy's master CLI (`haproxy -W -S <path>`). The master is unreachable for
 * ~150 ms while it re-executes during a reload, and a connection accepted in that window may never
 * be answered, so every command has a deadline and the callers retry.
 */
export class MasterSocket extends CliSocket {
  /** Sends a command to the current worker (`@1`), e.g. `show servers state`. */
  worker(line: string): Promise<string> {
    return this.commandWhenUp(`@1 ${line}`);
  }

  /** Sends a command to every live worker, current and old (`@!<pid>`). */
  async everyWorker(line: string): Promise<void> {
    const table = await this.processes();
    for (const pid of [...table.workers, ...table.oldWorkers]) {
      await this.commandWhenUp(`@!${pid} ${line}`).catch(() => undefined); // it may just have left
    }
  }

  /** Sends a command to the workers of previous configurations that still finish connections. */
  async oldWorkers(line: string): Promise<void> {
    const table = await this.processes();
    for (const pid of table.oldWorkers) {
      await this.commandWhenUp(`@!${pid} ${line}`).catch(() => undefined); // it may just have left
    }
  }

  private async sendReload(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.command('reload');
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        // Refused: the command never arrived (another reload is under way), so send it again.
        // Any other failure after connecting is the master closing on us as it re-executes.
        if (!['ECONNREFUSED', 'ENOENT'].includes(code) || attempt > 50) {
          if (isRetryable(error)) return;
          throw error;
        }
        await backOff(Math.min(attempt, 3), { baseMs: 10, maxMs: 80 });
      }
    }
  }

  /** The master's process table. */
  async processes(): Promise<ProcessTable> {
    return parseProcessTable(await this.commandWhenUp('show proc'));
  }

  /**
   * Reloads HAProxy (the master re-reads its configuration file and starts a new worker that
   * takes the listeners over) and resolves once the new worker runs.
   * @throws when the master reports the reload failed or it does not finish within `timeoutMs`.
   */
  async reload(timeoutMs = 15_000): Promise<ProcessTable> {
    const before = await this.processes();
    await this.sendReload();
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const now = await this.processes().catch((error: unknown) => {
        if (isRetryable(error)) return undefined;
        throw error;
      });
      if (now && now.failedReloads > before.failedReloads) {
        throw new Error('HAProxy refused the new configuration; the previous one keeps serving');
      }
      if (now && now.reloads > before.reloads && now.workers.length > 0) return now;
      if (Date.now() > deadline) throw new Error(`HAProxy did not reload within ${timeoutMs} ms`);
      await backOff(Math.min(attempt, 3), { baseMs: 10, maxMs: 80 });
    }
  }
}
