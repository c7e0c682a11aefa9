import type { Etcd3, Watcher } from 'etcd3';
import { registryKeys, type Logger } from '@microflack/common';
import type { Catalog } from './catalog.js';
import { parseRegistry, type RegistrySnapshot } from './snapshot.js';

/**
 * A watch on `<prefix>/services/` that reports every change, and every reconnect (events may have
 * been missed meanwhile), through `onChange`. It recreates itself when it fails, and when etcd's
 * revision goes backwards (data lost): a resumed watch would wait for revisions that do not exist.
 */
export class RegistryWatch {
  private watch: Watcher | undefined;
  private cancelled = false;
  private highestRevision = 0n;
  private highestTerm = 0n;

  constructor(
    private readonly etcd: Etcd3,
    private readonly servicesKey: string,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Starts watching; failures are retried by watching again. */
  start(): void {
    this.etcd
      .watch()
      .prefix(this.servicesKey)
      .create()
      .then((watch) => {
        if (this.cancelled) return void watch.cancel();
        this.watch = watch;
        watch.on('put', this.onChange);
        watch.on('delete', this.onChange);
        watch.on('connected', this.onChange);
        watch.on('disconnected', () =>
          this.logger.warn('registry watch disconnected; HAProxy serves on'),
        );
        watch.on('error', (error) => this.restart(error));
        this.onChange();
      })
      .catch((error: unknown) => this.restart(error));
  }

  /** Stops watching for good. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.watch?.cancel();
  }

  /**
   * Whether etcd's history went back since the last read (its data was lost: the revision or the
   * raft term of a registry just read is older than one seen before); then it watches again.
   */
  checkHistory({ registry, raftTerm }: RegistryRead): boolean {
    const [revision, term] = [BigInt(registry.revision), BigInt(raftTerm)];
    const wentBack = revision < this.highestRevision || term < this.highestTerm;
    if (wentBack) {
      const seen = `revision ${this.highestRevision}, term ${this.highestTerm}`;
      this.restart(new Error(`etcd history went back from ${seen} to ${revision}, ${term}`));
    }
    [this.highestRevision, this.highestTerm] = [revision, term];
    return wentBack;
  }

  private restart(error: unknown): void {
    if (this.cancelled) return;
    this.logger.warn({ err: error }, 'registry watch failed; watching again');
    const old = this.watch;
    this.watch = undefined;
    void old?.cancel().catch(() => undefined);
    this.start();
  }
}

/** The registry as read, and the raft term of the etcd that answered. */
export interface RegistryRead {
  registry: RegistrySnapshot;
  raftTerm: string;
}

/** Reads the whole registry under `<prefix>/services/` at one revision. */
export async function readRegistry(
  etcd: Etcd3,
  prefix: string,
  catalog: Catalog,
): Promise<RegistryRead> {
  const response = await etcd.getAll().prefix(registryKeys(prefix).services).exec();
  const entries = response.kvs.map((kv) => ({
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
  }));
  const { revision, raft_term: raftTerm } = response.header;
  return { registry: parseRegistry(prefix, revision, entries, catalog), raftTerm };
}
