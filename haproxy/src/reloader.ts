import { rename } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { validateConfig, writeAtomically, writePrivately, type Validation } from './config-file.js';
import type { MasterSocket } from './master-socket.js';
import { nextServerStates, parseServerStates } from './server-state.js';
import type { RegistrySnapshot } from './snapshot.js';

/** What a {@link Reloader} needs. */
export interface ReloaderOptions {
  master: MasterSocket;
  /** The file HAProxy's master reads on reload. */
  configFile: string;
  /** The server-state file HAProxy loads on reload. */
  stateFile: string;
  /** The haproxy binary used for `haproxy -c`. */
  haproxy: string;
  /** At most one reload per this many milliseconds. */
  minReloadIntervalMs: number;
  /** How long a reload after a quiet period waits for related changes. */
  settleMs: number;
}

/** Validates, swaps in and reloads configurations through the master socket, coalesced. */
export class Reloader {
  private lastReloadAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ReloaderOptions) {}

  /**
   * Coalescing, not waiting on a condition: a reload waits until `minReloadIntervalMs` passed
   * since the last one began, and at least `settleMs` (a new service writes its config, then its
   * instance's key: one reload for both). False when `signal` aborts meanwhile.
   */
  async waitForTurn(signal: AbortSignal): Promise<boolean> {
    const { minReloadIntervalMs, settleMs } = this.options;
    const wait = Math.max(this.lastReloadAt + minReloadIntervalMs - performance.now(), settleMs);
    await delay(wait, undefined, { signal }).catch(() => undefined);
    return !signal.aborted;
  }

  /**
   * Checks `text` with `haproxy -c`; when valid, retires servers that left, writes the server
   * states, swaps the file in and reloads, returning once the new worker runs. When refused,
   * HAProxy's reason is returned and nothing changed.
   */
  async reload(text: string, snapshot: RegistrySnapshot): Promise<Validation> {
    const { configFile, haproxy, master, stateFile } = this.options;
    const staged = `${configFile}.next`;
    await writePrivately(staged, text);
    const validation = await validateConfig(haproxy, staged);
    if (!validation.valid) return validation;
    const states = await master.worker('show servers state');
    await this.retireRemoved(states, snapshot);
    await writeAtomically(stateFile, nextServerStates(states, snapshot));
    await rename(staged, configFile);
    this.lastReloadAt = performance.now();
    await master.reload();
    return validation;
  }

  /**
   * Puts servers that left the registry into maintenance in every running worker before the
   * reload: old workers still finish keep-alive connections, and must not send them to an
   * instance that is about to close.
   */
  private async retireRemoved(states: string, snapshot: RegistrySnapshot): Promise<void> {
    const wanted = new Set(
      snapshot.services.flatMap((s) => s.instances.map((i) => `${s.name}/${i.id}`)),
    );
    for (const { backend, server, admin } of parseServerStates(states)) {
      const name = `${backend}/${server}`;
      if (wanted.has(name) || admin === 'MAINT') continue;
      await this.options.master.everyWorker(`set server ${name} state maint`);
    }
  }
}
