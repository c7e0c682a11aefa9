import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  currentEnv,
  describeProblems,
  freePort,
  instanceRecord,
  parseJsonValue,
  newInstanceId,
  registryKeys,
  waitUntil,
  type Etcd3,
  type InstanceRecord,
} from '@microflack/common/registry';
import { serviceEntry } from '../catalog.js';
import { livePid, spawnDetached, stopPidFile } from '../infra/processes.js';
import {
  dotenv,
  etcdLogin,
  localUrls,
  withoutPlatformSecrets,
  type LocalSettings,
} from '../settings.js';
import type { Release } from './releases.js';
import { instanceRunAs } from './run-as.js';
import {
  appendNote,
  forgetInstance,
  instanceFiles,
  instancePid,
  instanceSpec,
  readJsonFile,
  recordedInstances,
  supervisorState,
  SUPERVISOR,
  writeJsonFile,
} from './supervision.js';

/**
 * The environment of a local instance: `.env` and the caller's environment without the
 * platform's secrets, then the local URLs and the service's own etcd credentials.
 */
function instanceEnv(settings: LocalSettings, service: string, id: string, version: string) {
  const urls = localUrls(settings);
  const entry = serviceEntry(service);
  return {
    ...withoutPlatformSecrets({ ...dotenv(), ...currentEnv() }),
    MF_ETCD_URL: urls.MF_ETCD_URL,
    ...etcdLogin(settings, service),
    MF_ETCD_PREFIX: urls.MF_ETCD_PREFIX,
    REDIS_URL: urls.REDIS_URL,
    MF_BALANCER_URL: urls.MF_BALANCER_URL,
    MF_INSTANCE_ID: id,
    MF_VERSION: version,
    ...(entry.database ? { DATABASE_URL: urls.databaseUrl(entry.database) } : {}),
  };
}

/** Connects to the local registry as root (the client is loaded now, not with the command). */
export async function localEtcd(settings: LocalSettings): Promise<Etcd3> {
  const { connectEtcd } = await import('@microflack/common/etcd');
  return connectEtcd({
    MF_ETCD_URL: localUrls(settings).MF_ETCD_URL.split(','),
    ...etcdLogin(settings, 'root'),
  });
}

/**
 * Runs `work` with a connection to the local registry, closed afterwards; fails at once with one
 * clear line when etcd does not answer within 5 s, rather than let the client retry for ever.
 */
export async function withRegistry<T>(
  settings: LocalSettings,
  work: (etcd: Etcd3) => Promise<T>,
): Promise<T> {
  const etcd = await localEtcd(settings);
  const url = localUrls(settings).MF_ETCD_URL;
  try {
    const probe = etcd.get(registryKeys(settings.MF_ETCD_PREFIX).balancer).string();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the registry at ${url} does not answer`)), 5000);
    });
    await Promise.race([probe, deadline]).finally(() => clearTimeout(timer));
    return await work(etcd);
  } finally {
    etcd.close();
  }
}

/** How {@link startInstance} starts an instance. */
export interface StartOptions {
  /** Reuse a recorded id (bringing an instance back after a reboot); a new one by default. */
  id?: string;
  /** How long it may take to register (default 30 s). */
  timeoutMs?: number;
}

/** An instance whose supervisor was just started: it has not registered yet. */
export interface SpawnedInstance {
  id: string;
  service: string;
  files: ReturnType<typeof instanceFiles>;
  supervisor: ChildProcess;
}

/**
 * Starts one instance of `release` under its supervisor (a detached Node process), without
 * waiting: needing no registry, it is what a command does first.
 */
export async function spawnInstance(
  settings: LocalSettings,
  release: Release,
  options: Pick<StartOptions, 'id'> = {},
): Promise<SpawnedInstance> {
  const { service, version } = release;
  const id = options.id ?? newInstanceId(service, version);
  const files = instanceFiles(settings, id);
  const { account, why } = instanceRunAs(settings, release);
  const spec = instanceSpec.parse({
    ...{ id, service, version, release: release.dir, ...files },
    ...(account ? { runAs: account } : {}),
  });
  mkdirSync(dirname(files.specFile), { recursive: true });
  writeJsonFile(files.specFile, spec);
  mkdirSync(dirname(files.logFile), { recursive: true });
  if (why !== undefined) appendNote(spec, 40, why);
  rmSync(files.stateFile, { force: true });
  const supervisor = spawnDetached({
    command: process.execPath,
    args: [SUPERVISOR, files.specFile, files.pidFile],
    // One port for every run of the instance: restarted by its supervisor, it comes back at the
    // address the load balancer has, UP again at its next health check, with no reload.
    env: { ...instanceEnv(settings, service, id, version), PORT: String(await freePort()) },
    cwd: release.dir,
    logFile: files.logFile,
    pidFile: files.pidFile,
  });
  return { id, service, files, supervisor };
}

/**
 * Resolves once `spawned` is registered. Fails, with the end of its log, if the instance exits
 * first (then its supervisor is stopped: an instance that cannot start is not restarted over
 * and over).
 */
export async function awaitRegistration(
  settings: LocalSettings,
  etcd: Etcd3,
  spawned: SpawnedInstance,
  timeoutMs = 30_000,
): Promise<InstanceRecord> {
  const { id, files } = spawned;
  const key = registryKeys(settings.MF_ETCD_PREFIX).instance(spawned.service, id);
  const watcher = await etcd.watch().key(key).create();
  try {
    let registered: string | undefined;
    const put = new Promise<string>((resolve) =>
      watcher.once('put', (kv: { value: Buffer }) => resolve((registered = kv.value.toString()))),
    );
    // The instance started before the watch: it may have registered already.
    registered ??= (await etcd.get(key).string()) ?? undefined;
    // The put answers at once; the poll notices an exit, and ends on its next round after a put.
    const exitedOrTimedOut = waitUntil(
      () => registered ?? startFailed(files.stateFile, spawned.supervisor),
      { what: `${id} to register`, timeoutMs },
    );
    const outcome = await Promise.race([put, exitedOrTimedOut]);
    if (outcome === EXITED) {
      await stopPidFile(files.pidFile, { program: SUPERVISOR });
      forgetInstance(settings, id);
      throw new Error(
        `${id} exited before registering; last log lines:\n${logTail(files.logFile)}`,
      );
    }
    const record = parseJsonValue(instanceRecord, outcome);
    if (!record.success)
      throw new Error(`${id} registered a malformed record: ${describeProblems(record.error)}`);
    return record.data;
  } finally {
    await watcher.cancel();
  }
}

/** Starts one instance of `release` under its supervisor and resolves once it is registered. */
export async function startInstance(
  settings: LocalSettings,
  etcd: Etcd3,
  release: Release,
  options: StartOptions = {},
): Promise<InstanceRecord> {
  const spawned = await spawnInstance(settings, release, options);
  return awaitRegistration(settings, etcd, spawned, options.timeoutMs);
}

const EXITED = Symbol('exited');

/** {@link EXITED} once the instance has exited (or its supervisor is gone), else undefined. */
function startFailed(stateFile: string, supervisor: ChildProcess): typeof EXITED | undefined {
  const state = readJsonFile(stateFile, supervisorState);
  const gone = supervisor.exitCode !== null || supervisor.signalCode !== null;
  return gone || state?.lastExit !== undefined ? EXITED : undefined;
}

/** The last lines of a log. */
function logTail(file: string, lines = 5): string {
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
}

/** The registered instances under the prefix, optionally of one service. */
export async function registeredInstances(
  settings: LocalSettings,
  etcd: Etcd3,
  service?: string,
): Promise<InstanceRecord[]> {
  const keys = registryKeys(settings.MF_ETCD_PREFIX);
  const values = await etcd.getAll().prefix(keys.services).strings();
  // Values the watcher would ignore are not instances it routes to, so they are not listed.
  return Object.entries(values)
    .filter(([key]) => /\/instances\/[^/]+$/.test(key))
    .flatMap(([, value]) => {
      const record = parseJsonValue(instanceRecord, value);
      return record.success ? [record.data] : [];
    })
    .filter((instance) => service === undefined || instance.service === service)
    .sort((a, b) => a.service.localeCompare(b.service) || a.started_at - b.started_at);
}

/** The ids of instances this checkout started whose supervisor still runs. */
export function localInstanceIds(settings: LocalSettings): string[] {
  return recordedInstances(settings)
    .filter((recorded) => recorded.supervisor !== undefined)
    .map((recorded) => recorded.spec.id);
}

/**
 * Stops a local instance gracefully: SIGTERM to its supervisor, which has the instance
 * deregister, drain and exit, and does not restart it. An instance whose supervisor gave up
 * (crash loop) is only forgotten. @returns false when no such instance was recorded.
 */
export async function stopInstance(settings: LocalSettings, id: string): Promise<boolean> {
  const files = instanceFiles(settings, id);
  const known = existsSync(files.specFile);
  await stopPidFile(files.pidFile, { program: SUPERVISOR, timeoutMs: 60_000 });
  forgetInstance(settings, id);
  return known;
}

/**
 * SIGKILLs the instance process (not its supervisor), as a crash would: the supervisor restarts
 * it. @returns the pid killed, or undefined when the instance was not running.
 */
export function killInstance(settings: LocalSettings, id: string): number | undefined {
  const files = instanceFiles(settings, id);
  const state = readJsonFile(files.stateFile, supervisorState);
  const pid = instancePid(state, livePid(files.pidFile, SUPERVISOR));
  if (pid === undefined) return undefined;
  process.kill(pid, 'SIGKILL');
  return pid;
}
