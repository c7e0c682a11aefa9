import type { Etcd3 } from '@microflack/common/registry';
import type { Runtime, RuntimeInstance, RuntimeRelease, RunRequest, Say } from '../runtime.js';
import type { LocalSettings } from '../settings.js';
import { serverStatuses } from './balancer-state.js';
import { killInstance, spawnInstance, stopInstance } from './instances.js';
import { launchOne, pruneUnused, readyRelease, runInstances } from './launch.js';
import { releaseExists, releaseOf } from './releases.js';
import { describeExit, recordedInstances } from './supervision.js';

/** Instances as local processes, each under its supervisor, run from `.mf/releases/`. */
export class LocalRuntime implements Runtime {
  readonly name = 'local';

  constructor(private readonly settings: LocalSettings) {}

  instances(service?: string): Promise<RuntimeInstance[]> {
    const instances = recordedInstances(this.settings)
      .filter((recorded) => service === undefined || recorded.spec.service === service)
      .sort((a, b) => a.spec.id.localeCompare(b.spec.id))
      .map(({ spec, state, supervisor }) => ({
        id: spec.id,
        service: spec.service,
        version: spec.version,
        restarts: state?.restarts ?? 0,
        lastExit: describeExit(state),
        running: supervisor !== undefined,
        gaveUp: state?.status === 'crash-loop',
      }));
    return Promise.resolve(instances);
  }

  release(service: string, tag: string | undefined, say: Say): Promise<RuntimeRelease> {
    return readyRelease(this.settings, service, tag, say);
  }

  previousRelease(service: string, version: string): RuntimeRelease {
    const release = releaseOf(this.settings, service, version);
    if (!releaseExists(release)) throw new Error(`the release ${release.dir} is gone`);
    return release;
  }

  async run(request: RunRequest, say: Say): Promise<void> {
    await runInstances(this.settings, request, say);
  }

  async startOne(etcd: Etcd3, release: RuntimeRelease, say: Say, timeoutMs?: number) {
    const spawned = await spawnInstance(
      this.settings,
      releaseOf(this.settings, release.service, release.version),
    );
    return (await launchOne(this.settings, etcd, spawned, say, timeoutMs)).id;
  }

  async stop(id: string): Promise<void> {
    await stopInstance(this.settings, id);
  }

  kill(id: string): Promise<string> {
    const pid = killInstance(this.settings, id);
    return Promise.resolve(
      pid ? `killed ${id} (pid ${pid}); its supervisor restarts it` : `${id} is not running now`,
    );
  }

  prune(service: string): Promise<void> {
    pruneUnused(this.settings, service);
    return Promise.resolve();
  }

  serverStatuses(): Promise<Map<string, string>> {
    return serverStatuses(this.settings);
  }
}
