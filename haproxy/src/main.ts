// The watcher process: keeps a running HAProxy in step with the registry until SIGTERM/SIGINT.
// HAProxy itself is started by its owner (mfinfra, the test helper, the container entry point).
import {
  configOrExit,
  connectEtcd,
  createLogger,
  guardProcess,
  stopOnSignals,
} from '@microflack/common';
import { PLATFORM_CATALOG } from './catalog.js';
import { balancerEnv, haproxyPaths, renderSettings } from './config.js';
import { BalancerWatcher } from './watcher.js';

const config = configOrExit(balancerEnv);
const logger = createLogger('balancer', config.LOG_LEVEL);
const paths = haproxyPaths(config.HAPROXY_DIR);
const etcd = connectEtcd(config);
const watcher = new BalancerWatcher({
  etcd,
  prefix: config.MF_ETCD_PREFIX,
  leaseTtlSeconds: config.MF_LEASE_TTL,
  settings: renderSettings(config),
  catalog: PLATFORM_CATALOG,
  configFile: paths.config,
  masterSocket: paths.masterSocket,
  adminSocket: paths.adminSocket,
  haproxy: config.HAPROXY_BIN,
  minReloadIntervalMs: config.MF_RELOAD_INTERVAL_MS,
  logger,
});

const stop = async () => {
  await watcher.stop();
  etcd.close();
};
// Like every instance: what nothing handled is logged and counted, never silent; after an
// uncaught exception the watcher stops and its supervisor starts it again.
guardProcess(logger, stop);
stopOnSignals(logger, stop);
await watcher.start();
logger.info({ prefix: config.MF_ETCD_PREFIX, dir: paths.dir }, 'watching the registry');
