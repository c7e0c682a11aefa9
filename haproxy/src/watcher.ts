import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';
import { backOff, registryKeys, type Logger } from '@microflack/common';
import { writeAtomically } from './config-file.js';
import type { Catalog } from './catalog.js';
import { MasterSocket } from './master-socket.js';
import { ProblemLog } from './problem-log.js';
import { blamedInstances, instanceKey, withoutRefused } from './refused-instances.js';
import { RegistryHold } from './registry-hold.js';
import { RegistryWatch, readRegistry } from './registry-watch.js';
import { Reloader } from './reloader.js';
import { configShape, renderConfig, type RenderSettings } from './render.js';
import { RevisionPublisher } from './revision-publisher.js';
import { applyServers, retireLeftovers } from './runtime-sync.js';
import { ServerRuntime } from './server-runtime.js';
import type { RegistrySnapshot } from './snapshot.js';
import { WakeTimer } from './wake-timer.js';

/** How often servers left in maintenance with connections attached are tried again. */
const RETIRE_RETRY_MS = 1000;

/** Everything the watcher needs; HAProxy itself runs separately (see README). */
export interface WatcherOptions {
  etcd: Etcd3;
  prefix: string;
  /** TTL of the lease that carries `<prefix>/balancer` (`MF_LEASE_TTL`, as the instances'). */
  leaseTtlSeconds: number;
  settings: RenderSettings;
  /** Which service may serve which location (`PLATFORM_CATALOG` in production). */
  catalog: Catalog;
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
  private readonly runtime: ServerRuntime;
  private readonly reloader: Reloader;
  private readonly watch: RegistryWatch;
  private readonly publisher: RevisionPublisher;
  /** Instances HAProxy refused (by {@link instanceKey}), left out until they change or leave. */
  private readonly refused = new Set<string>();
  private readonly stopping = new AbortController();
  /** Looks again at servers that could not be retired yet (connections still attached). */
  private readonly retireAgain = new WakeTimer(() => this.markDirty());
  private readonly hold: RegistryHold;
  private readonly problems: ProblemLog;
  private dirty = true;
  private busy = true;
  private wake: (() => void) | undefined;
  private applied: string | undefined;
  private rejected: string | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: WatcherOptions) {
    super();
    const keys = registryKeys(options.prefix);
    this.problems = new ProblemLog(options.logger);
    // An instance registers again within its lease TTL (the watcher's is the same setting).
    this.hold = new RegistryHold(2 * options.leaseTtlSeconds * 1000, () => this.markDirty());
    const master = new MasterSocket(options.masterSocket);
    this.runtime = new ServerRuntime(options.adminSocket, master);
    this.reloader = new Reloader({
      master,
      configFile: options.configFile,
      stateFile: options.settings.stateFile,
      haproxy: options.haproxy,
      minReloadIntervalMs: options.minReloadIntervalMs,
      settleMs: options.settleMs ?? 50,
    });
    this.watch = new RegistryWatch(options.etcd, keys.services, options.logger, () =>
      this.markDirty(),
    );
    this.publisher = new RevisionPublisher(
      options.etcd,
      keys.balancer,
      options.leaseTtlSeconds,
      options.logger,
      () => this.markDirty(),
    );
  }

  /** Starts watching and syncing; returns at once (wait for `synced` to know HAProxy caught up). */
  async start(): Promise<void> {
    // A restarted watcher need not reload when HAProxy already runs what it would render.
    this.applied = await readFile(this.options.configFile, 'utf8').catch(() => undefined);
    this.watch.start();
    this.loop = this.run();
  }

  /** Stops watching and withdraws `<prefix>/balancer`; HAProxy keeps running its configuration. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.retireAgain.cancel();
    this.hold.cancel();
    this.wake?.();
    await this.loop;
    this.dirty = this.busy = false;
    this.emit('idle');
    await this.watch.cancel();
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

  private async readChecked(): Promise<[RegistrySnapshot, string]> {
    const { etcd, prefix, catalog, render = renderConfig, settings } = this.options;
    const read = await readRegistry(etcd, prefix, catalog);
    if (this.watch.checkHistory(read)) {
      // etcd lost its data: what was routed stays routed while the instances register again.
      this.hold.begin();
      this.options.logger.warn(
        { holdMs: this.hold.holdMs },
        'etcd lost its data; routing the last registry while instances register again',
      );
    }
    const registry = this.hold.route(read.registry);
    const present = new Set(registry.services.flatMap((s) => s.instances.map(instanceKey)));
    for (const key of this.refused) if (!present.has(key)) this.refused.delete(key);
    const snapshot = withoutRefused(registry, this.refused);
    this.problems.update(snapshot.problems);
    return [snapshot, render(snapshot, settings)];
  }

  private async sync(): Promise<void> {
    let [snapshot, text] = await this.readChecked();
    let reloaded = false;
    if (text !== this.applied) {
      if (text === this.rejected) return; // already refused; wait for the next change
      const sameShape =
        this.applied !== undefined && configShape(text) === configShape(this.applied);
      if (!sameShape || !(await this.applyAtRuntime(text, snapshot))) {
        if (!(await this.reloader.waitForTurn(this.stopping.signal))) return;
        if (this.dirty) {
          // Changes that arrived meanwhile join this reload.
          this.dirty = false;
          [snapshot, text] = await this.readChecked();
        }
        if (text !== this.applied && !(await this.reload(text, snapshot))) return;
        reloaded = true;
      }
    }
    await this.publisher.publish(snapshot.revision);
    await this.retire(snapshot);
    this.options.logger.debug({ revision: snapshot.revision, reloaded }, 'synced');
    this.emit('synced', snapshot.revision, reloaded);
  }

  /**
   * Applies a change of servers only through the runtime API, then rewrites the file so the next
   * reload starts with the same servers. False when HAProxy refused a step: the caller reloads.
   */
  private async applyAtRuntime(text: string, snapshot: RegistrySnapshot): Promise<boolean> {
    const { logger, configFile } = this.options;
    try {
      const change = await applyServers(this.runtime, snapshot);
      await writeAtomically(configFile, text);
      this.applied = text;
      this.runtimeSyncs++;
      logger.info({ revision: snapshot.revision, ...change }, 'servers changed without a reload');
      return true;
    } catch (error) {
      this.fallbacks++;
      logger.warn({ err: error, revision: snapshot.revision }, 'runtime change failed; reloading');
      this.emit('fallback', error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  /** Validates, swaps in and reloads; false when HAProxy refused the configuration. */
  private async reload(text: string, snapshot: RegistrySnapshot): Promise<boolean> {
    const { logger } = this.options;
    const started = performance.now();
    const validation = await this.reloader.reload(text, snapshot);
    if (!validation.valid) {
      this.rejected = text;
      const blamed = blamedInstances(validation.reason, text, snapshot);
      if (blamed.length > 0) {
        // One bad entry must not freeze the load balancer: leave it out and render again.
        for (const instance of blamed) this.refused.add(instanceKey(instance));
        this.markDirty();
        return false;
      }
      logger.error(
        { reason: validation.reason, revision: snapshot.revision },
        'rendered configuration failed validation; the last good one keeps serving',
      );
      this.emit('rejected', validation.reason);
      return false;
    }
    this.applied = text;
    this.rejected = undefined;
    this.reloads++;
    const ms = Math.round(performance.now() - started);
    logger.info({ revision: snapshot.revision, reloads: this.reloads, ms }, 'HAProxy reloaded');
    return true;
  }

  /**
   * Retires servers that left, after `<prefix>/balancer` was published (a draining instance is
   * told only once no new session reaches it); one with connections attached is tried again a
   * second later.
   */
  private async retire(snapshot: RegistrySnapshot): Promise<void> {
    try {
      const waiting = await retireLeftovers(this.runtime, snapshot);
      if (waiting && !this.stopped()) this.retireAgain.soon(RETIRE_RETRY_MS);
    } catch (error) {
      // Harmless: a server in maintenance takes no traffic, and the next reload drops it.
      this.options.logger.warn({ err: error }, 'could not delete a server that left');
    }
  }
}
