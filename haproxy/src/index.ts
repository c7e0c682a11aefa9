// The package's front door: the watcher and what the admin tools, the benchmark and the tests
// use of it. Test helpers are behind `@microflack/haproxy/testing`.
export { assignedLocation, PLATFORM_CATALOG, type Catalog } from './catalog.js';
export {
  balancerEnv,
  balancerEnvironment,
  haproxyPaths,
  renderSettings,
  type BalancerConfig,
  type HaproxyPaths,
} from './config.js';
export { validateConfig, type Validation } from './config-file.js';
export { haproxyArgs, prepareConfig } from './haproxy-process.js';
export { MasterSocket, parseProcessTable, type ProcessTable } from './master-socket.js';
export { withHeld } from './registry-hold.js';
export { publishedBalancerState } from './revision-publisher.js';
export {
  configShape,
  renderConfig,
  SESSION_COOKIE,
  type HttpsSettings,
  type RenderSettings,
} from './render.js';
export {
  leftoverServers,
  planRuntime,
  wantedServers,
  type RuntimePlan,
  type ServerTarget,
  type WantedServers,
} from './runtime-plan.js';
export { nextServerStates, parseServerStates, type ServerState } from './server-state.js';
export {
  parseRegistry,
  type RegistryEntry,
  type RegistrySnapshot,
  type ServiceRoute,
} from './snapshot.js';
export { BalancerWatcher, type WatcherOptions } from './watcher.js';
