import { EventEmitter, once } from 'node:events';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Etcd3, Watcher } from 'etcd3';
import { backOff, registryKeys, type Logger } from '@microflack/common';
import { validateConfig, writeAtomically } from './config-file.js';
import { MasterSocket } from './master-socket.js';
import { renderConfig, type RenderSettings } from './render.js';
import { RevisionPublisher } from './revision-publisher.js';
import { nextServerStates, parseServerStates } from './server-state.js';
import { parseRegistry, type RegistrySnapshot } from './snapshot.js';

/** Everything the watcher needs; HAProxy itself runs separately (see README). */
export interface WatcherOptions {
  etcd: Etcd3;
  prefix: string;
  /** TTL of the lease that carries `<prefix>/balancer`. */
  leaseTtlSeconds: number;
  settings: RenderSettings;
  /** The file HAProxy's master reads on reload. */
  configFile: string;
  /** The master CLI socket (`haproxy -W -S <path>`). */
  masterSocket: string;
  /** The haproxy binary used for `haproxy -c`. */
  haproxy: string;
  /** At most one reload per this many milliseconds (500 by default). */
  minReloadIntervalMs: number;
  logger: Logger;
  /** How long a first change waits for related ones before the registry is read (default 50). */
  settleMs?: number;
  /** The renderer; tests substitute one to produce configurations HAProxy refuses. */
  render?: typeof renderConfig;
}

interface WatcherEvents {
  /** HAProxy runs a configuration that reflects `revision`; `reloaded` says whether it changed. */
  synced: [revision: string, reloaded: boolean];
  /** A rendered configuration failed `haproxy -c`; the previous one keeps serving. */
  rejected: [reason: string];
  /** Nothing to do until the registry changes. */
  idle: [];
}

/**
 * Keeps HAProxy in step with the registry (docs/architecture.md, load balancer): every change under `<prefix>/services/`
 * triggers a sync that reads the whole registry, renders, and — when the text changed — validates,
 * swaps the file in and reloads through the master socket, at most once per
 * `minReloadIntervalMs`. While etcd is away nothing is touched and HAProxy serves on.
 */
export class BalancerWatcher extends EventEmitter<WatcherEvents> {
  /** Reloads done since start. */
  reloads = 0;
  private readonly master: MasterSocket;
  private readonly publisher: RevisionPublisher;
  private readonly keys;
  private readonly stopping = new AbortController();
  private watch: Watcher | undefined;
  private dirty = true;
  private busy = true;
  private wake: (() => void) | undefined;
  private applied: string | undefined;
  private rejected: string | undefined;
  private lastReloadAt = Number.NEGATIVE_INFINITY;
  private lastProblems = '';
  private highestRevision = 0n;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: WatcherOptions) {
    super();
    this.keys = registryKeys(options.prefix);
    this.master = new MasterSocket(options.masterSocket);
    this.publisher = new RevisionPublisher(
      options.etcd,
      this.keys.balancer,
      options.leaseTtlSeconds,
      options.logger,
      () => this.markDirty(),
    );
  }

  /** Starts watching and syncing; returns at once (wait for `synced` to know HAProxy caught up). */
  async start(): Promise<void> {
    // A restarted watcher need not reload when HAProxy already runs what it would render.
    this.applied = await readFile(this.options.configFile, 'utf8').catch(() => undefined);
    this.startWatch();
    this.loop = this.run();
  }

  /** Stops watching and withdraws `<prefix>/balancer`; HAProxy keeps running its configuration. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    this.dirty = this.busy = false;
    this.emit('idle');
    await this.watch?.cancel();
    await this.publisher.close();
  }

  /** Resolves once no change is pending and no sync runs (tests use it before counting reloads). */
  async settled(): Promise<void> {
    while (this.dirty || this.busy) await once(this, 'idle');
  }

  private markDirty(): void {
    this.dirty = true;
    this.wake?.();
  }

  private startWatch(): void {
    const { etcd, logger } = this.options;
    etcd
      .watch()
      .prefix(this.keys.services)
      .create()
      .then((watch) => {
        if (this.stopped()) return void watch.cancel();
        this.watch = watch;
        watch.on('put', () => this.markDirty());
        watch.on('delete', () => this.markDirty());
        // Events may have been missed while disconnected: read the whole registry again.
        watch.on('connected', () => this.markDirty());
        watch.on('disconnected', () =>
          logger.warn('registry watch disconnected; HAProxy serves on'),
        );
        watch.on('error', (error) => this.restartWatch(error));
        this.markDirty();
      })
      .catch((error: unknown) => this.restartWatch(error));
  }

  private restartWatch(error: unknown): void {
    if (this.stopped()) return;
    this.options.logger.warn({ err: error }, 'registry watch failed; watching again');
    const old = this.watch;
    this.watch = undefined;
    void old?.cancel().catch(() => undefined);
    this.startWatch();
  }

  /** Whether {@link stop} was called (a method, so checks after an await are not narrowed away). */
  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    for (let failures = 0; !this.stopped();) {
      if (!this.dirty) {
        this.busy = false;
        this.emit('idle');
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      this.busy = true;
      this.wake = undefined;
      if (this.stopped()) return;
      if (performance.now() >= this.lastReloadAt + this.options.minReloadIntervalMs) {
        // Debounce: an instance writes its service config and then its key; one reload for both.
        await delay(this.options.settleMs ?? 50, undefined, { signal }).catch(() => undefined);
      }
      this.dirty = false;
      try {
        await this.sync();
        failures = 0;
      } catch (error) {
        this.dirty = true;
        if (this.stopped()) return;
        this.options.logger.warn(
          { err: error, failures },
          'sync failed; HAProxy keeps its last configuration',
        );
        await backOff(Math.min(failures++, 6), { baseMs: 100, maxMs: 3000 }, signal).catch(
          () => undefined,
        );
      }
    }
  }

  private async readRegistry(): Promise<RegistrySnapshot> {
    const response = await this.options.etcd.getAll().prefix(this.keys.services).exec();
    const entries = response.kvs.map((kv) => ({
      key: kv.key.toString('utf8'),
      value: kv.value.toString('utf8'),
    }));
    return parseRegistry(this.options.prefix, response.header.revision, entries);
  }

  private async sync(): Promise<void> {
    const { logger, minReloadIntervalMs } = this.options;
    const snapshot = await this.readRegistry();
    this.checkHistory(snapshot.revision);
    this.logProblems(snapshot.problems);
    const text = (this.options.render ?? renderConfig)(snapshot, this.options.settings);
    let reloaded = false;
    if (text !== this.applied) {
      if (text === this.rejected) return; // already refused; wait for the next change
      const wait = this.lastReloadAt + minReloadIntervalMs - performance.now();
      if (wait > 0) {
        // Coalescing, not waiting on a condition: changes arriving meanwhile join this reload.
        await delay(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        if (this.dirty || this.stopped()) return;
      }
      if (!(await this.apply(text, snapshot))) return;
      reloaded = true;
    }
    await this.publisher.publish(snapshot.revision);
    logger.debug({ revision: snapshot.revision, reloaded }, 'synced');
    this.emit('synced', snapshot.revision, reloaded);
  }

  /**
   * An etcd whose revision went backwards lost its data (restored or wiped): the watch would
   * resume at a revision that does not exist yet and miss events, so it starts over.
   */
  private checkHistory(revision: string): void {
    const now = BigInt(revision);
    if (now < this.highestRevision) {
      this.restartWatch(
        new Error(`etcd revision went back from ${this.highestRevision} to ${now}`),
      );
    }
    this.highestRevision = now;
  }

  private logProblems(problems: readonly string[]): void {
    const joined = problems.join('\n');
    if (joined !== this.lastProblems && problems.length > 0) {
      this.options.logger.warn({ problems }, 'registry entries ignored');
    }
    this.lastProblems = joined;
  }

  /** Validates, swaps in and reloads; false when HAProxy refused the configuration. */
  private async apply(text: string, snapshot: RegistrySnapshot): Promise<boolean> {
    const { configFile, haproxy, logger, settings } = this.options;
    const staged = `${configFile}.next`;
    await writeFile(staged, text);
    const validation = await validateConfig(haproxy, staged);
    if (!validation.valid) {
      this.rejected = text;
      logger.error(
        { reason: validation.reason, revision: snapshot.revision },
        'rendered configuration failed validation; the last good one keeps serving',
      );
      this.emit('rejected', validation.reason);
      return false;
    }
    const states = await this.master.worker('show servers state');
    await this.retireRemoved(states, snapshot);
    await writeAtomically(settings.stateFile, nextServerStates(states, snapshot));
    await rename(staged, configFile);
    const started = performance.now();
    await this.master.reload();
    this.lastReloadAt = started;
    this.applied = text;
    this.rejected = undefined;
    this.reloads++;
    logger.info(
      {
        revision: snapshot.revision,
        reloads: this.reloads,
        ms: Math.round(performance.now() - started),
      },
      'HAProxy reloaded',
    );
    return true;
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
      await this.master.everyWorker(`set server ${name} state maint`);
    }
  }
}
