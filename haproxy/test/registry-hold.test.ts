import { describe, expect, it } from 'vitest';
import { PLATFORM_CATALOG, parseRegistry, withHeld } from '@microflack/haproxy';
import { configEntry, instanceEntry, PREFIX } from './fixtures.js';

const snapshot = (revision: string, entries: Parameters<typeof parseRegistry>[2]) =>
  parseRegistry(PREFIX, revision, entries, PLATFORM_CATALOG);

/** `service: instance ids` of a snapshot, for comparisons. */
const routed = (registry: ReturnType<typeof snapshot>) =>
  registry.services.map((s) => `${s.name}: ${s.instances.map((i) => i.id).join(' ')}`);

describe('withHeld', () => {
  const before = snapshot('900', [
    configEntry('users', {}),
    instanceEntry('users', 'aaaa0001', '127.0.0.1:40011'),
    instanceEntry('users', 'aaaa0002', '127.0.0.1:40012'),
    configEntry('tokens', {}),
    instanceEntry('tokens', 'bbbb0001', '127.0.0.1:40021'),
  ]);

  it('when a wiped registry is empty, then every service and instance routed before stays', () => {
    const held = withHeld(before, snapshot('2', []));

    expect(routed(held)).toEqual(routed(before));
    expect(held.revision).toBe('2');
  });

  it('when some instances registered again, then they are routed with those still missing, and a new one is added', () => {
    const fresh = snapshot('9', [
      configEntry('users', { balance: 'leastconn' }),
      instanceEntry('users', 'aaaa0002', '127.0.0.1:40012'),
      instanceEntry('users', 'aaaa0003', '127.0.0.1:40013'),
    ]);

    const held = withHeld(before, fresh);

    expect(routed(held)).toEqual([
      'tokens: tokens-0.1.0-bbbb0001',
      'users: users-0.1.0-aaaa0001 users-0.1.0-aaaa0002 users-0.1.0-aaaa0003',
    ]);
    expect(held.services.find((s) => s.name === 'users')?.config.balance).toBe('leastconn');
  });
});
