export * from './config.js';
export * from './config-file.js';
export * from './haproxy-process.js';
export * from './master-socket.js';
export * from './render.js';
export * from './server-state.js';
export * from './snapshot.js';
export * from './watcher.js';
