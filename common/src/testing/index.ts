// The testing door of @microflack/common: helpers for the tests of every package, never
// imported by production code.

export {
  silentLogger,
  testEtcdAccess,
  TEST_JWT_SECRET_KEY,
  testConfig,
  uniquePrefix,
} from './config.js';
export {
  startChatLoad,
  type ChatFailure,
  type ChatLoad,
  type ChatLoadOptions,
  type ChatLoadResult,
} from './chat-load.js';
export { signedInUser, type SignedInUser } from './signed-in-user.js';
export { CHROMIUM_LAUNCH } from './chromium.js';
export { basic, bearer, randomAddress, uniqueNickname } from './credentials.js';
export { freshDatabase, type TestDatabase } from './database.js';
export { startPrivateEtcd, type PrivateEtcd } from './etcd-server.js';
export { startPrivateRedis, type PrivateRedis } from './redis-server.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { ensureInfrastructure } from './infrastructure.js';
export { TestPlatform } from './platform.js';
export { freePort, portOf } from './ports.js';
export {
  startRequestLoop,
  type RequestLoop,
  type RequestLoopOptions,
  type RequestLoopResult,
} from './request-loop.js';
export { spawnInstance, type SpawnedInstance } from './service-process.js';
export { churnRegistrations, startStandIn, type StandInAnswer } from './stand-in.js';
export { nextEvent, waitFor } from './wait.js';
