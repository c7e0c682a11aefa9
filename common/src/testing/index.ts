// The testing door of @microflack/common: helpers for the tests of every package, never
// imported by production code.

export { silentLogger, testConfig, uniquePrefix } from './config.js';
export { freshDatabase, type TestDatabase } from './database.js';
export { freePort, startPrivateEtcd } from './etcd-server.js';
export { ensureInfrastructure } from './infrastructure.js';
export { nextEvent, waitFor } from './wait.js';
