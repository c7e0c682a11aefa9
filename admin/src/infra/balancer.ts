import { join } from 'node:path';
import { connectEtcd, currentEnv, loadConfig, registryKeys, waitUntil } from '@microflack/common';
import {
  balancerEnv,
  balancerEnvironment,
  haproxyPaths,
  haproxyArgs,
  prepareConfig,
  publishedBalancerState,
  renderSettings,
  type BalancerConfig,
} from '@microflack/haproxy';
import { SUPERVISOR } from '../local/supervision.js';
import {
  dotenv,
  etcdLogin,
  localUrls,
  ROOT,
  statePaths,
  withoutPlatformSecrets,
  type LocalSettings,
} from '../settings.js';
import {
  instanceSpec,
  restartPolicy,
  writeJsonFile,
  type InstanceSpec,
  type RestartPolicy,
} from '../supervisor/records.js';
import { known, runningAsRoot, traversable } from './accounts.js';
import type { Component } from './component.js';
import { alive, livePid, spawnDetached, stopPidFile } from './processes.js';

/**
 * Who HAProxy's workers run as unless `.env` says: `haproxy:haproxy` when we are root and
 * Debian's haproxy package created that user and group, else whoever starts HAProxy.
 */
function defaultRunAs(): string | undefined {
  return runningAsRoot() && known('passwd', 'haproxy') && known('group', 'haproxy')
    ? 'haproxy:haproxy'
    : undefined;
}

/**
 * The watcher's configuration for the local platform: `.env` and the environment, with the
 * local ports, `.mf/haproxy` and the watcher's etcd user imposed so HAProxy and the watcher always
 * agree.
 */
function balancerConfig(settings: LocalSettings): BalancerConfig {
  const env = { ...dotenv(), ...currentEnv() };
  return loadConfig(
    balancerEnv,
    {
      MF_ETCD_URL: localUrls(settings).MF_ETCD_URL,
      ...etcdLogin(settings, 'balancer'),
      MF_BALANCER_BIND: '127.0.0.1',
      MF_BALANCER_PORT: String(settings.MF_BALANCER_PORT),
      MF_STATS_PORT: String(settings.MF_STATS_PORT),
      HAPROXY_DIR: join(settings.MF_STATE_DIR, 'haproxy'),
      HAPROXY_RUN_AS: env['HAPROXY_RUN_AS'] || defaultRunAs(),
    },
    env,
  );
}

/** A process {@link startAndWait} starts: its pid file, and what its command line contains. */
interface Started {
  name: string;
  pidFile: string;
  program: string;
  logFile: string;
}

/**
 * Starts a process unless its pid file names a live one, then waits until it answers; fails at
 * once, pointing at its log, when the process dies instead.
 */
async function startAndWait(
  { name, pidFile, program, logFile }: Started,
  spawn: () => { pid?: number | undefined },
  answers: () => Promise<boolean>,
): Promise<void> {
  const pid = livePid(pidFile, program) ?? spawn().pid ?? 0;
  await waitUntil(async () => !alive(pid) || (await answers()), { what: `${name} answering` });
  if (!alive(pid)) throw new Error(`${name} exited at start; see ${logFile}`);
}

/** What {@link startSupervised} runs: the supervisor spec's own part. */
type SupervisedProgram = Pick<InstanceSpec, 'release' | 'command'> & {
  policy?: Partial<RestartPolicy>;
};

function supervisedPidFile(settings: LocalSettings, name: string): string {
  return join(statePaths(settings).run, `${name}.pid`);
}

/**
 * Starts `name` under the instances' supervisor unless its pid file names a live process, and
 * waits until it answers: restarted after a crash, its restarts and last exit in
 * `<name>.state.json`, its output in `<name>.log`. The pid file is the supervisor's; stopping it
 * (SIGTERM) stops the program for good. `legacy` is what the command line of a process named by
 * a pid file without a start time (written by an older version) contains.
 */
async function startSupervised(
  settings: LocalSettings,
  name: string,
  program: SupervisedProgram & { env: Record<string, string | undefined>; legacy: string },
  answers: () => Promise<boolean>,
): Promise<void> {
  const { run, logs } = statePaths(settings);
  const [pidFile, specFile] = [supervisedPidFile(settings, name), join(run, `${name}.json`)];
  const logFile = join(logs, `${name}.log`);
  const { env, legacy, policy, ...runs } = program;
  const spec = instanceSpec.parse({
    id: name,
    service: name,
    version: '-',
    logFile,
    stateFile: join(run, `${name}.state.json`),
    ...runs,
    policy: restartPolicy.parse(policy ?? {}),
  });
  const spawn = () => {
    writeJsonFile(specFile, spec);
    return spawnDetached({
      command: process.execPath,
      args: [SUPERVISOR, specFile, pidFile],
      env,
      logFile,
      pidFile,
    });
  };
  await startAndWait({ name, pidFile, program: legacy, logFile }, spawn, answers);
}

function haproxy(settings: LocalSettings): Component {
  const config = balancerConfig(settings);
  const paths = haproxyPaths(config.HAPROXY_DIR);
  const answers = async () => {
    try {
      const url = `http://127.0.0.1:${config.MF_STATS_PORT}/healthz`;
      return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      return false;
    }
  };
  return {
    name: 'haproxy',
    address: `127.0.0.1:${config.MF_BALANCER_PORT}`,
    answers,
    async start() {
      // Workers that dropped root must reach their sockets in `.mf/haproxy`.
      if (config.HAPROXY_RUN_AS !== undefined) traversable(settings.MF_STATE_DIR);
      await prepareConfig(config.HAPROXY_BIN, paths, renderSettings(config));
      // HAProxy's master exits when its last worker dies (`no-exit-on-failure` only spares it
      // while other workers remain), so it is supervised: started again with the configuration
      // the watcher keeps in step, within a fraction of a second.
      const command = [config.HAPROXY_BIN, ...haproxyArgs(paths)];
      const program = { release: paths.dir, command, policy: { baseMs: 100 } };
      const env = withoutPlatformSecrets(currentEnv());
      await startSupervised(settings, 'haproxy', { ...program, env, legacy: 'haproxy' }, answers);
    },
    async stop() {
      // SIGTERM: the supervisor stops the master, which stops its workers at once.
      await stopPidFile(supervisedPidFile(settings, 'haproxy'), { program: 'haproxy' });
    },
  };
}

function watcher(settings: LocalSettings): Component {
  const config = balancerConfig(settings);
  const key = registryKeys(config.MF_ETCD_PREFIX).balancer;
  // Healthy means: a watcher publishes the revision HAProxy serves. The key lives on the
  // watcher's lease, so it leaves with a dead watcher; and a watcher started by another checkout
  // sharing this infrastructure counts, like its etcd or HAProxy do (a second one could not
  // reload an HAProxy whose master socket is in the other checkout).
  const answers = async () => {
    const etcd = connectEtcd(config);
    try {
      return (await publishedBalancerState(etcd, key)) !== undefined;
    } catch {
      return false;
    } finally {
      etcd.close();
    }
  };
  return {
    name: 'balancer',
    address: key,
    answers,
    async start() {
      const env = { ...withoutPlatformSecrets(currentEnv()), ...balancerEnvironment(config) };
      const release = join(ROOT, 'haproxy');
      await startSupervised(settings, 'balancer', { release, env, legacy: SUPERVISOR }, answers);
    },
    async stop() {
      // the watcher withdraws <prefix>/balancer as it exits
      await stopPidFile(supervisedPidFile(settings, 'balancer'), { program: SUPERVISOR });
    },
  };
}

/** HAProxy and its watcher, in start order: HAProxy first, so the watcher has something to reload. */
export function balancer(settings: LocalSettings): Component[] {
  return [haproxy(settings), watcher(settings)];
}
