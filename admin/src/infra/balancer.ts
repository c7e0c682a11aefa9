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
import { instanceSpec, writeJsonFile } from '../supervisor/records.js';
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

function haproxy(settings: LocalSettings): Component {
  const config = balancerConfig(settings);
  const paths = haproxyPaths(config.HAPROXY_DIR);
  const pidFile = join(statePaths(settings).run, 'haproxy.pid');
  const logFile = join(statePaths(settings).logs, 'haproxy.log');
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
      const spawn = () =>
        spawnDetached({ command: config.HAPROXY_BIN, args: haproxyArgs(paths), logFile, pidFile });
      await startAndWait('haproxy', pidFile, logFile, spawn, answers);
    },
    async stop() {
      await stopPidFile(pidFile); // SIGTERM: the master stops its workers at once
    },
  };
}

function watcher(settings: LocalSettings): Component {
  const config = balancerConfig(settings);
  const pidFile = join(statePaths(settings).run, 'balancer.pid');
  const logFile = join(statePaths(settings).logs, 'balancer.log');
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
  // The watcher runs under the instances' supervisor: restarted after a crash, its restarts and
  // last exit in `balancer.state.json` (the pid file is the supervisor's).
  const specFile = join(statePaths(settings).run, 'balancer.json');
  const stateFile = join(statePaths(settings).run, 'balancer.state.json');
  return {
    name: 'balancer',
    address: key,
    answers,
    async start() {
      const env = { ...currentEnv(), ...balancerEnvironment(config) };
      const release = join(ROOT, 'haproxy');
      const spec = {
        id: 'balancer',
        service: 'balancer',
        version: '-',
        release,
        logFile,
        stateFile,
      };
      const spawn = () => {
        writeJsonFile(specFile, instanceSpec.parse(spec));
        return spawnDetached({
          command: process.execPath,
          args: [SUPERVISOR, specFile, pidFile],
          env,
          logFile,
          pidFile,
        });
      };
      await startAndWait('balancer', pidFile, logFile, spawn, answers);
    },
    async stop() {
      await stopPidFile(pidFile); // the watcher withdraws <prefix>/balancer as it exits
    },
  };
}

/** HAProxy and its watcher, in start order: HAProxy first, so the watcher has something to reload. */
export function balancer(settings: LocalSettings): Component[] {
  return [haproxy(settings), watcher(settings)];
}
