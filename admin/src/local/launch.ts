import type { Etcd3, InstanceRecord } from '@microflack/common/registry';
import type { RunRequest, Say } from '../runtime.js';
import type { LocalSettings } from '../settings.js';
import { prepareServingWait } from './balancer-state.js';
import {
  awaitRegistration,
  spawnInstance,
  startInstance,
  stopInstance,
  withRegistry,
  type SpawnedInstance,
} from './instances.js';
import {
  ensureRelease,
  pruneReleases,
  releaseExists,
  releaseOf,
  type Release,
} from './releases.js';
import { forgetInstance, recordedInstances } from './supervision.js';

/** The release for `service`/`tag`, built when missing, saying so. */
export async function readyRelease(
  settings: LocalSettings,
  service: string,
  tag: string | undefined,
  say: Say,
): Promise<Release> {
  const { release, built } = await ensureRelease(settings, service, tag);
  if (built) say(`${service}: built release ${release.version} in ${release.dir}`);
  return release;
}

/** Resolves once `spawned` is registered and HAProxy reports it UP. */
export async function launchOne(
  settings: LocalSettings,
  etcd: Etcd3,
  spawned: SpawnedInstance,
  say: Say,
  timeoutMs = 30_000,
): Promise<InstanceRecord> {
  // The wait on the load balancer is made ready while the instance starts, not after.
  const servingWait = prepareServingWait(settings, etcd);
  servingWait.catch(() => undefined); // awaited below, once the instance registered
  const instance = await awaitRegistration(settings, etcd, spawned, timeoutMs);
  say(`registered ${instance.id} on ${instance.address}`);
  const untilServing = await servingWait;
  await untilServing(instance.id, timeoutMs);
  return instance;
}

/**
 * `mfrun`: starts `count` instances, one after the other, each UP before the next. The first
 * starts before the command connects to the registry: the instance's own start is the long part,
 * and the command loads its etcd client meanwhile. If the registry does not answer, it is stopped.
 */
export async function runInstances(
  settings: LocalSettings,
  request: RunRequest,
  say: Say,
): Promise<InstanceRecord[]> {
  const release = await readyRelease(settings, request.service, request.tag, say);
  const first = await spawnInstance(settings, release);
  const started: InstanceRecord[] = [];
  const registry = { answered: false };
  try {
    await withRegistry(settings, async (etcd) => {
      registry.answered = true;
      for (let n = 1; n <= request.count; n++) {
        const spawned = n === 1 ? first : await spawnInstance(settings, release);
        const instance = await launchOne(settings, etcd, spawned, say, request.timeoutMs);
        say(`${instance.id} takes traffic (${n}/${request.count})`);
        started.push(instance);
      }
    });
  } catch (error) {
    if (!registry.answered) await stopInstance(settings, first.id);
    throw error;
  }
  pruneUnused(settings, request.service);
  return started;
}

/** Deletes the old releases of `service` no recorded instance uses (the newest few stay). */
export function pruneUnused(settings: LocalSettings, service: string): void {
  const inUse = new Set(
    recordedInstances(settings)
      .filter((recorded) => recorded.spec.service === service)
      .map((recorded) => recorded.spec.version),
  );
  pruneReleases(settings, service, inUse);
}

/**
 * Brings back every recorded instance whose supervisor is not running and that did not give up
 * (after a reboot), under its recorded id and release. A release that is gone is forgotten.
 */
export async function restoreInstances(
  settings: LocalSettings,
  etcd: Etcd3,
  say: Say,
): Promise<void> {
  const lost = recordedInstances(settings).filter(
    (recorded) => recorded.supervisor === undefined && recorded.state?.status !== 'crash-loop',
  );
  for (const { spec } of lost) {
    const release = releaseOf(settings, spec.service, spec.version);
    try {
      if (!releaseExists(release)) throw new Error(`its release ${release.dir} is gone`);
      await startInstance(settings, etcd, release, { id: spec.id });
      say(`restored ${spec.id} from ${spec.release}`);
    } catch (error) {
      forgetInstance(settings, spec.id);
      say(`${spec.id} not restored: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
