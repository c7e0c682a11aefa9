import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  connectEtcd,
  currentEnv,
  describeProblems,
  instanceRecord,
  parseJsonValue,
  newInstanceId,
  readPackageVersion,
  registryKeys,
  resolveVersion,
  type Etcd3,
  type InstanceRecord,
} from '@microflack/common';
import { serviceEntry } from '../catalog.js';
import { livePid, spawnDetached, stopPidFile } from '../infra/processes.js';
import { dotenv, localUrls, ROOT, statePaths, type LocalSettings } from '../settings.js';

/** Where an instance's pid and log live. */
function instanceFiles(settings: LocalSettings, id: string) {
  const paths = statePaths(settings);
  return {
    pidFile: join(paths.run, 'instances', `${id}.pid`),
    logFile: join(paths.logs, `${id}.log`),
  };
}

/** The environment of a local instance: `.env`, the caller's environment, then the local URLs. */
function instanceEnv(settings: LocalSettings, service: string, id: string, version: string) {
  const urls = localUrls(settings);
  const entry = serviceEntry(service);
  return {
    ...dotenv(),
    ...currentEnv(),
    MF_ETCD_URL: urls.MF_ETCD_URL,
    MF_ETCD_PREFIX: urls.MF_ETCD_PREFIX,
    REDIS_URL: urls.REDIS_URL,
    MF_BALANCER_URL: urls.MF_BALANCER_URL,
    MF_INSTANCE_ID: id,
    MF_VERSION: version,
    ...(entry.database ? { DATABASE_URL: urls.databaseUrl(entry.database) } : {}),
  };
}

/** Connects to the local registry. */
export function localEtcd(settings: LocalSettings): Etcd3 {
  return connectEtcd([localUrls(settings).MF_ETCD_URL]);
}

/**
 * Starts one instance of `service` as a detached Node process and resolves once it is
 * registered. Fails, with the end of its log, if the process exits first.
 */
export async function startInstance(
  settings: LocalSettings,
  etcd: Etcd3,
  service: string,
  tag?: string,
): Promise<InstanceRecord> {
  const main = join(ROOT, 'services', service, 'dist', 'main.js');
  if (!existsSync(main))
    throw new Error(`${service} is not built (${main} is missing): run pnpm build`);
  const version =
    tag ??
    resolveVersion(
      readPackageVersion(pathToFileURL(join(ROOT, 'services', service, 'package.json'))),
      undefined,
    );
  const id = newInstanceId(service, version);
  const key = registryKeys(settings.MF_ETCD_PREFIX).instance(service, id);
  const files = instanceFiles(settings, id);
  const watcher = await etcd.watch().key(key).create();
  try {
    const registered = once(watcher, 'put') as Promise<[{ value: Buffer }]>;
    const child = spawnDetached({
      command: process.execPath,
      args: [main],
      env: instanceEnv(settings, service, id, version),
      cwd: ROOT,
      ...files,
    });
    const died = once(child, 'exit').then(() => {
      const log = readFileSync(files.logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
      throw new Error(`${id} exited before registering; last log lines:\n${log}`);
    });
    const [kv] = await Promise.race([registered, died]);
    const record = parseJsonValue(instanceRecord, kv.value.toString('utf8'));
    if (!record.success)
      throw new Error(`${id} registered a malformed record: ${describeProblems(record.error)}`);
    return record.data;
  } finally {
    await watcher.cancel();
  }
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

/** The ids of instances this checkout started and that are still running. */
export function localInstanceIds(settings: LocalSettings): string[] {
  const dir = join(statePaths(settings).run, 'instances');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.pid'))
    .map((file) => file.slice(0, -'.pid'.length))
    .filter((id) => livePid(instanceFiles(settings, id).pidFile) !== undefined);
}

/**
 * Stops a local instance: SIGTERM and wait for its graceful drain to finish, or SIGKILL with
 * `force`. @returns false when no such local process was running.
 */
export async function stopInstance(
  settings: LocalSettings,
  id: string,
  force = false,
): Promise<boolean> {
  return stopPidFile(instanceFiles(settings, id).pidFile, force ? 'SIGKILL' : 'SIGTERM', 60_000);
}
