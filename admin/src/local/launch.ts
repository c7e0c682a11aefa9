import type { Etcd3, InstanceRecord } from '@microflack/common';
import type { LocalSettings } from '../settings.js';
import { waitUntilServing } from './balancer-state.js';
import { startInstance } from './instances.js';
import {
  ensureRelease,
  pruneReleases,
  releaseExists,
  releaseOf,
  type Release,
} from './releases.js';
import { forgetInstance, recordedInstances } from './supervision.js';

/** Where progress lines go (one per step). */
export type Say = (line: string) => void;

/** What {@link runInstances} starts. */
export interface RunRequest {
  service: string;
  count: number;
  tag?: string | undefined;
  /** How long each instance may take to register, and then to be UP (default 30 s each). */
  timeoutMs?: number;
}

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

/** Starts one instance of `release` and resolves once HAProxy reports it UP. */
export async function launchOne(
  settings: LocalSettings,
  etcd: Etcd3,
  release: Release,
  say: Say,
  timeoutMs = 30_000,
): Promise<InstanceRecord> {
  const instance = await startInstance(settings, etcd, release, { timeoutMs });
  say(`registered ${instance.id} on ${instance.address}`);
  await waitUntilServing(settings, etcd, instance.id, timeoutMs);
  return instance;
}

/** `mfrun`: starts `count` instances, one after the other, each UP before the next. */
export async function runInstances(
  settings: LocalSettings,
  etcd: Etcd3,
  request: RunRequest,
  say: Say,
): Promise<InstanceRecord[]> {
  const release = await readyRelease(settings, request.service, request.tag, say);
  const started: InstanceRecord[] = [];
  for (let n = 1; n <= request.count; n++) {
    const instance = await launchOne(settings, etcd, release, say, request.timeoutMs);
    say(`${instance.id} takes traffic (${n}/${request.count})`);
    started.push(instance);
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
