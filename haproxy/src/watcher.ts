import { EventEmitter, once } from 'node:events';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Etcd3, Watcher } from 'etcd3';
import { backOff, registryKeys, type Logger } from '@microflack/common';
import { validateConfig, writeAtomically } from './config-file.js';
import { MasterSocket } from './master-socket.js';
import { configShape, renderConfig, type RenderSettings } from './render.js';
import { RevisionPublisher } from './revision-publisher.js';
import { leftoverServers, planRuntime, wantedServers } from './runtime-plan.js';
import { resolveAddress, ServerRuntime } from './server-runtime.js';
import { nextServerStates, parseServerStates } from './server-state.js';
import { parseRegistry, type RegistrySnapshot } from './snapshot.js';

/** How often servers left in maintenance with connections attached are tried again. */
const RETIRE_RETRY_MS = 1000;

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
  /** The current worker's admin stats socket (the runtime API; `settings.adminSocket`). */
  adminSocket: string;
  /** The haproxy binary used for `haproxy -c`. */
  haproxy: string;
  /** At most one reload per this many milliseconds (500 by default). */
  minReloadIntervalMs: number;
  logger: Logger;
  /** How long a reload after a quiet period waits for related changes (default 50). */
  settleMs?: number;
  /** The renderer; tests substitute one to produce configurations HAProxy refuses. */
  render?: typeof renderConfig;
}

interface WatcherEvents {
  /** HAProxy runs a configuration that reflects `revision`; `reloaded` says whether it changed. */
  synced: [revision: string, reloaded: boolean];
  /** A runtime change failed; a validated reload applies the registry instead. */
  fallback: [reason: string];
  /** A rendered configuration failed `haproxy -c`; the previous one keeps serving. */
  rejected: [reason: string];
  /** Nothing to do until the registry changes. */
  idle: [];
}

/**
 * Keeps HAProxy in step with the registry (docs/architecture.md, load balancer): every change
 * under `<prefix>/services/` triggers a sync that reads the whole registry and renders it. When
 * only servers changed, they are added, drained and deleted through the runtime API and the file
 * is rewritten; when services or their routes changed (or a runtime change failed), the text is
 * validated, swapped in and HAProxy reloaded through the master socket, at most once per
 * `minReloadIntervalMs`. While etcd is away nothing is touched and HAProxy serves on.
 */
export class BalancerWatcher extends EventEmitter<WatcherEvents> {
  /** Reloads done since start. */
  reloads = 0;
  /** Syncs applied through the runtime API, without a reload, since start. */
  runtimeSyncs = 0;
  /** Runtime changes that failed and were applied by a reload instead. */
  fallbacks = 0;
  private readonly master: MasterSocket;
  private readonly runtime: ServerRuntime;
  private retireTimer: NodeJS.Timeout | undefined;
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
    this.runtime = new ServerRuntime(options.adminSocket, this.master);
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
    clearTimeout(this.retireTimer);
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
    let snapshot = await this.readRegistry();
    let text = this.renderChecked(snapshot);
    let reloaded = false;
    if (text !== this.applied) {
      if (text === this.rejected) return; // already refused; wait for the next change
      const sameShape =
        this.applied !== undefined && configShape(text) === configShape(this.applied);
      if (!sameShape || !(await this.applyAtRuntime(text, snapshot))) {
        if (!(await this.waitForReload())) return;
        if (this.dirty) {
          // Changes that arrived meanwhile join this reload.
          this.dirty = false;
          snapshot = await this.readRegistry();
          text = this.renderChecked(snapshot);
        }
        if (text !== this.applied && !(await this.apply(text, snapshot))) return;
        reloaded = true;
      }
    }
    await this.publisher.publish(snapshot.revision);
    await this.retireLeftovers(snapshot);
    this.options.logger.debug({ revision: snapshot.revision, reloaded }, 'synced');
    this.emit('synced', snapshot.revision, reloaded);
  }

  /** Renders `snapshot` after checking etcd's history and logging ignored entries. */
  private renderChecked(snapshot: RegistrySnapshot): string {
    this.checkHistory(snapshot.revision);
    this.logProblems(snapshot.problems);
    return (this.options.render ?? renderConfig)(snapshot, this.options.settings);
  }

  /**
   * Coalescing, not waiting on a condition: a reload waits until `minReloadIntervalMs` passed
   * since the last one began, and at least `settleMs` (a new service writes its config, then its
   * instance's key: one reload for both). False when the watcher stops meanwhile.
   */
  private async waitForReload(): Promise<boolean> {
    const { minReloadIntervalMs, settleMs = 50 } = this.options;
    const wait = Math.max(this.lastReloadAt + minReloadIntervalMs - performance.now(), settleMs);
    await delay(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    return !this.stopped();
  }

  /**
   * Applies a change of servers only through the runtime API: new instances added (taking traffic
   * once their first check passed), deregistered ones drained, then the file rewritten so the next
   * reload starts with the same servers. False when HAProxy refused a step: the caller reloads.
   */
  private async applyAtRuntime(text: string, snapshot: RegistrySnapshot): Promise<boolean> {
    const { logger, configFile } = this.options;
    try {
      const addresses = new Map<string, string>();
      for (const address of new Set(
        snapshot.services.flatMap((s) => s.instances.map((i) => i.address)),
      ))
        addresses.set(address, await resolveAddress(address));
      const wanted = wantedServers(snapshot, (address) => addresses.get(address) ?? address);
      const plan = planRuntime(await this.runtime.servers(), wanted, backendsOf(snapshot));
      for (const target of plan.add) await this.runtime.add(target);
      for (const target of plan.readdress) await this.runtime.readdress(target);
      for (const target of plan.ready) await this.runtime.setState(target, 'ready');
      for (const target of plan.drain) await this.runtime.setState(target, 'drain');
      await writeAtomically(configFile, text);
      this.applied = text;
      this.runtimeSyncs++;
      const { add, ready, readdress, drain } = plan;
      logger.info(
        {
          revision: snapshot.revision,
          added: add.length,
          ready: ready.length,
          moved: readdress.length,
          drained: drain.length,
        },
        'servers changed without a reload',
      );
      return true;
    } catch (error) {
      this.fallbacks++;
      logger.warn({ err: error, revision: snapshot.revision }, 'runtime change failed; reloading');
      this.emit('fallback', error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  /**
   * Puts servers that left the registry into maintenance (after `<prefix>/balancer` was published,
   * so a draining instance is told only once no new session reaches it) and deletes them; one that
   * still has connections attached (a WebSocket being closed) is tried again a second later.
   */
  private async retireLeftovers(snapshot: RegistrySnapshot): Promise<void> {
    try {
      const wanted = wantedServers(snapshot, (address) => address);
      const running = await this.runtime.servers();
      let waiting = false;
      for (const server of leftoverServers(running, wanted, backendsOf(snapshot))) {
        if (server.admin !== 'MAINT') await this.runtime.setState(server, 'maint');
        if (!(await this.runtime.remove(server))) waiting = true;
      }
      if (waiting && !this.stopped()) {
        this.retireTimer ??= setTimeout(() => {
          this.retireTimer = undefined;
          this.markDirty();
        }, RETIRE_RETRY_MS);
      }
    } catch (error) {
      // Harmless: a server in maintenance takes no traffic, and the next reload drops it.
      this.options.logger.warn({ err: error }, 'could not delete a server that left');
    }
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

/** The backends of the snapshot's services. Pure. */
function backendsOf(snapshot: RegistrySnapshot): Set<string> {
  return new Set(snapshot.services.map((service) => service.name));
}
