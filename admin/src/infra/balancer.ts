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
import { dotenv, localUrls, ROOT, statePaths, type LocalSettings } from '../settings.js';
import {
  instanceSpec,
  restartPolicy,
  writeJsonFile,
  type InstanceSpec,
  type RestartPolicy,
} from '../supervisor/records.js';
import type { Component } from './component.js';
import { alive, livePid, spawnDetached, stopPidFile } from './processes.js';

const SUPERVISOR = join(ROOT, 'admin', 'dist', 'supervisor', 'main.js');

/**
 * The watcher's configuration for the local platform: `.env` and the environment, with the
 * local ports and `.mf/haproxy` imposed so HAProxy and the watcher always agree.
 */
function balancerConfig(settings: LocalSettings): BalancerConfig {
  return loadConfig(
    balancerEnv,
    {
      MF_ETCD_URL: localUrls(settings).MF_ETCD_URL,
      MF_BALANCER_BIND: '127.0.0.1',
      MF_BALANCER_PORT: String(settings.MF_BALANCER_PORT),
      MF_STATS_PORT: String(settings.MF_STATS_PORT),
      HAPROXY_DIR: join(settings.MF_STATE_DIR, 'haproxy'),
    },
    { ...dotenv(), ...currentEnv() },
  );
}

/**
 * Starts a process unless its pid file names a live one, then waits until it answers; fails at
 * once, pointing at its log, when the process dies instead.
 */
async function startAndWait(
  name: string,
  pidFile: string,
  logFile: string,
  spawn: () => { pid?: number | undefined },
  answers: () => Promise<boolean>,
): Promise<void> {
  const pid = livePid(pidFile) ?? spawn().pid ?? 0;
  await waitUntil(async () => !alive(pid) || (await answers()), { what: `${name} answering` });
  if (!alive(pid)) throw new Error(`${name} exited at start; see ${logFile}`);
}

/** What {@link startSupervised} runs: the supervisor spec's own part. */
type SupervisedProgram = Pick<InstanceSpec, 'release' | 'command'> & {
  policy?: Partial<RestartPolicy>;
};

/**
 * Starts `name` under the instances' supervisor unless its pid file names a live process, and
 * waits until it answers: restarted after a crash, its restarts and last exit in
 * `<name>.state.json`, its output in `<name>.log`. The pid file is the supervisor's; stopping it
 * (SIGTERM) stops the program for good.
 */
async function startSupervised(
  settings: LocalSettings,
  name: string,
  program: SupervisedProgram,
  answers: () => Promise<boolean>,
  env: Record<string, string | undefined> = currentEnv(),
): Promise<void> {
  const { run, logs } = statePaths(settings);
  const [pidFile, specFile] = [join(run, `${name}.pid`), join(run, `${name}.json`)];
  const logFile = join(logs, `${name}.log`);
  const spec = instanceSpec.parse({
    id: name,
    service: name,
    version: '-',
    logFile,
    stateFile: join(run, `${name}.state.json`),
    ...program,
    policy: restartPolicy.parse(program.policy ?? {}),
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
  await startAndWait(name, pidFile, logFile, spawn, answers);
}

function supervisedPidFile(settings: LocalSettings, name: string): string {
  return join(statePaths(settings).run, `${name}.pid`);
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
      await prepareConfig(config.HAPROXY_BIN, paths, renderSettings(config));
      // HAProxy's master exits when its last worker dies (`no-exit-on-failure` only spares it
      // while other workers remain), so it is supervised: started again with the configuration
      // the watcher keeps in step, within a fraction of a second.
      const command = [config.HAPROXY_BIN, ...haproxyArgs(paths)];
      const program = { release: paths.dir, command, policy: { baseMs: 100 } };
      await startSupervised(settings, 'haproxy', program, answers);
    },
    async stop() {
      // SIGTERM: the supervisor stops the master, which stops its workers at once.
      await stopPidFile(supervisedPidFile(settings, 'haproxy'));
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
    const etcd = connectEtcd(config.MF_ETCD_URL);
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
      const env = { ...currentEnv(), ...balancerEnvironment(config) };
      const release = join(ROOT, 'haproxy');
      await startSupervised(settings, 'balancer', { release }, answers, env);
    },
    async stop() {
      await stopPidFile(supervisedPidFile(settings, 'balancer')); // the watcher withdraws <prefix>/balancer as it exits
    },
  };
}

/** HAProxy and its watcher, in start order: HAProxy first, so the watcher has something to reload. */
export function balancer(settings: LocalSettings): Component[] {
  return [haproxy(settings), watcher(settings)];
}
