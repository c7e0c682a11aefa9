import type { Etcd3 } from '@microflack/common/registry';
import type { LocalSettings } from './settings.js';

/** Where progress lines go (one per step). */
export type Say = (line: string) => void;

/** What runs the instances: local processes, containers of the compose project, or a swarm stack. */
export type RuntimeName = 'local' | 'docker' | 'swarm';

/** One release of a service: a local build (`.mf/releases/…`) or an image tag. */
export interface RuntimeRelease {
  service: string;
  version: string;
}

/** An instance a runtime runs (or remembers), as `mfps` and the upgrades see it. */
export interface RuntimeInstance {
  id: string;
  service: string;
  version: string;
  /** Restarts after a crash (by its supervisor, or the engine's restart policy). */
  restarts: number;
  /** The last exit as `mfps` shows it (`-`, `exit 1`, `SIGKILL`, `…, gave up`). */
  lastExit: string;
  /** Whether it runs now (false: restarting, or given up after a crash loop). */
  running: boolean;
  /** Whether it stopped restarting (a crash loop). */
  gaveUp: boolean;
}

/** What `mfrun` starts. */
export interface RunRequest {
  service: string;
  count: number;
  tag?: string | undefined;
  /** How long each instance may take to register, and then to be UP (default 30 s each). */
  timeoutMs?: number;
}

/**
 * What the admin commands need from a runtime: every runtime gives the same output and the same
 * guarantees (an instance counts once it is registered and UP in the load balancer; a stop drains).
 */
export interface Runtime {
  readonly name: RuntimeName;
  /** The instances of `service` (or all), oldest first. */
  instances(service?: string): Promise<RuntimeInstance[]>;
  /** The release `tag` names (by default the current one), made or checked now. */
  release(service: string, tag: string | undefined, say: Say): Promise<RuntimeRelease>;
  /** A release an abort brings back. @throws when it is gone. */
  previousRelease(service: string, version: string): RuntimeRelease;
  /** `mfrun`: starts `count` instances, each counted once it is registered and UP. */
  run(request: RunRequest, say: Say): Promise<void>;
  /** Starts one instance of `release`; resolves with its id once it is UP. */
  startOne(etcd: Etcd3, release: RuntimeRelease, say: Say, timeoutMs?: number): Promise<string>;
  /** Stops an instance gracefully (deregister, drain, exit) and forgets it. */
  stop(id: string): Promise<void>;
  /** Kills the instance's process as a crash would; @returns the line `mfkill --force` prints. */
  kill(id: string): Promise<string>;
  /** Deletes what old releases no instance uses (local builds; images are left to the operator). */
  prune(service: string): Promise<void>;
  /** The load balancer's view of every server, by instance id; empty when it does not answer. */
  serverStatuses(): Promise<Map<string, string>>;
  /**
   * The logs of the instances `target` names (a service, an instance id, all), one text each,
   * since `since` (ms), when the runtime keeps them itself (the local runtime's are files).
   */
  logs?(target: string | undefined, since?: number): Promise<string[]>;
  /** Replaces every instance of `service` at once by the runtime's own rolling update, if it has one. */
  roll?(service: string, release: RuntimeRelease, say: Say, timeoutMs: number): Promise<void>;
}

/**
 * The runtime the commands drive: `MF_RUNTIME`, or, when it is `auto`, the compose project or
 * swarm stack running on the Docker engine, else the local processes. Docker's client is only
 * loaded when an engine may be there.
 */
export async function selectRuntime(settings: LocalSettings): Promise<Runtime> {
  const choice = settings.MF_RUNTIME;
  if (choice === 'local') return localRuntime(settings);
  const { dockerRuntime, detectRuntime } = await import('./docker/docker-runtime.js');
  const name = choice === 'auto' ? await detectRuntime() : choice;
  if (name === 'local') return localRuntime(settings);
  return dockerRuntime(settings, name);
}

async function localRuntime(settings: LocalSettings): Promise<Runtime> {
  const { LocalRuntime } = await import('./local/local-runtime.js');
  return new LocalRuntime(settings);
}
