import type { InstanceRecord, ServiceConfigRecord } from '@microflack/common';
import type { RegistryEntry, RenderSettings } from '@microflack/haproxy';

/** The registry prefix of the renderer fixtures. */
export const PREFIX = '/microflack';

/** Fixed settings, so golden files do not depend on the machine. */
export const SETTINGS: RenderSettings = {
  bindHost: '127.0.0.1',
  balancerPort: 8080,
  statsPort: 8404,
  statsAuth: 'admin:s3cret',
  stateFile: '/var/lib/microflack/haproxy/haproxy.state',
  adminSocket: '/var/lib/microflack/haproxy/admin.sock',
  peersSocket: '/var/lib/microflack/haproxy/peers.sock',
  hardStopAfterSeconds: 30,
};

/** A `…/config` entry. */
export function configEntry(service: string, config: Partial<ServiceConfigRecord>): RegistryEntry {
  const record = { location: `/api/${service}`, balance: 'roundrobin', sticky: false, ...config };
  return { key: `${PREFIX}/services/${service}/config`, value: JSON.stringify(record) };
}

/** A `…/instances/<id>` entry. */
export function instanceEntry(service: string, suffix: string, address: string): RegistryEntry {
  const id = `${service}-0.1.0-${suffix}`;
  const record: InstanceRecord = { id, service, version: '0.1.0', address, started_at: 1 };
  return { key: `${PREFIX}/services/${service}/instances/${id}`, value: JSON.stringify(record) };
}

/** The whole platform: every service, one of them without instances, Socket.IO sticky. */
export const PLATFORM: RegistryEntry[] = [
  configEntry('ui', { location: '/' }),
  instanceEntry('ui', 'aaaa0001', '127.0.0.1:40001'),
  configEntry('users', {}),
  instanceEntry('users', 'bbbb0001', '127.0.0.1:40011'),
  instanceEntry('users', 'bbbb0002', '127.0.0.1:40012'),
  configEntry('tokens', {}),
  instanceEntry('tokens', 'cccc0001', '127.0.0.1:40021'),
  configEntry('messages', { balance: 'leastconn' }),
  configEntry('socketio', { location: '/socket.io', sticky: true }),
  instanceEntry('socketio', 'dddd0001', '127.0.0.1:40031'),
  instanceEntry('socketio', 'dddd0002', 'socketio-2:8000'),
];
