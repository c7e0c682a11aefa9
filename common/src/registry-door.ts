// The light door of @microflack/common (`@microflack/common/registry`): what a command-line
// client of the registry needs (the admin tools), without the HTTP, database and Redis layers the
// front door loads. The etcd client itself is behind `@microflack/common/etcd`, so that a command
// can start its work first and load the client (a quarter of a second) while that work runs.

export { backOff } from './backoff.js';
export {
  baseEnv,
  ConfigError,
  currentEnv,
  loadConfig,
  readDotenv,
  renamed,
  withPassword,
  type BaseConfig,
} from './config.js';
export type { Etcd3 } from './etcd.js';
export { freePort } from './free-port.js';
export { describeProblems, parseJsonValue } from './input.js';
export { readPackageVersion, resolveVersion } from './package-version.js';
export { newInstanceId } from './registry.js';
export { registryKeys } from './registry-keys.js';
export {
  balancerState,
  instanceRecord,
  serviceConfigRecord,
  serviceName,
  type BalancerState,
  type InstanceRecord,
  type ServiceConfigRecord,
} from './registry-records.js';
export { waitUntil, type WaitOptions } from './wait.js';
