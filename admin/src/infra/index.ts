// The infra door of @microflack/admin (`@microflack/admin/infra`): the local infrastructure as
// components a test can start, stop and break one by one — the fault suite's building blocks.

export type { Component } from './component.js';
export { components } from './components.js';
export { etcdEndpoints, etcdMembers, type EtcdMember } from './etcd-members.js';
export { etcdMemberProcesses, type EtcdMemberProcess } from './etcd.js';
export { livePid } from './processes.js';
export { etcdLogin, localEnv, localUrls, statePaths, type LocalSettings } from '../settings.js';
