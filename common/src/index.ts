// The front door of @microflack/common: what the services, the watcher and the admin tools use,
// named one by one. Anything not listed here is internal to common. It holds all of the light
// door (`@microflack/common/registry`), which lists what a registry client needs once, for both.

export * from './registry-door.js';

export {
  basicCredentials,
  optionalToken,
  requireToken,
  tokenOf,
  verifyToken,
  type BasicCredentials,
  type TokenAuth,
} from './auth.js';
export { balancerCaughtUp } from './balancer.js';
export {
  broadcastKey,
  channelRoom,
  Broadcaster,
  isChannelRoom,
  userRoom,
  type ModelClass,
  type ServerToClientEvents,
} from './broadcast.js';
export { configOrExit, databaseEnv, testOnly } from './config.js';
export { openDatabase, type Pool } from './db.js';
export { errorBody, HttpError, unauthorized, type ErrorBody } from './errors.js';
export { connectEtcd } from './etcd.js';
export { createServiceApp } from './http-app.js';
export { parseInput } from './input.js';
export {
  Limit,
  limitRequests,
  limitsFor,
  tooManyRequests,
  type LimitRule,
  type Verdict,
} from './limits.js';
export { createLogger, REQUEST_ID_HEADER, type Logger } from './logger.js';
export { connectRedis, droppingPublisher, type Redis } from './redis.js';
export { Registration } from './registry.js';
export { RevocationSet } from './revocations.js';
export { guardProcess, stopOnSignals } from './process-guard.js';
export {
  runService,
  startService,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceParts,
} from './lifecycle.js';
export { ServiceClient, ServiceUnavailableError, type ServiceResponse } from './service-client.js';
export {
  BRIEF_TOKEN_SECONDS,
  TokenError,
  TokenKeys,
  type IssuedToken,
  type TokenClaims,
} from './tokens.js';
