import { describe, expect, it } from 'vitest';
import { parseRegistry, PLATFORM_CATALOG, type RegistryEntry } from '@microflack/haproxy';
import { TEST_CATALOG } from '@microflack/haproxy/testing';
import { configEntry, instanceEntry, PREFIX } from './fixtures.js';

const parse = (entries: RegistryEntry[], catalog = TEST_CATALOG) =>
  parseRegistry(PREFIX, '7', entries, catalog);
const raw = (key: string, value: unknown): RegistryEntry => ({
  key: `${PREFIX}/services/${key}`,
  value: typeof value === 'string' ? value : JSON.stringify(value),
});
const instance = (service: string, id: string, address: string) => ({
  id,
  service,
  version: '1',
  address,
  started_at: 1,
});

describe('parseRegistry', () => {
  it('when entries follow the registry shapes, then services come sorted with their instances', () => {
    const snapshot = parse([
      instanceEntry('users', 'bbbb0002', '127.0.0.1:2'),
      configEntry('users', {}),
      configEntry('tokens', {}),
      instanceEntry('users', 'bbbb0001', '127.0.0.1:1'),
    ]);

    expect(snapshot.revision).toBe('7');
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services.map((s) => [s.name, s.instances.map((i) => i.address)])).toEqual([
      ['tokens', []],
      ['users', ['127.0.0.1:1', '127.0.0.1:2']],
    ]);
  });

  it.each<[string, RegistryEntry[], RegExp]>([
    ['a config that is not JSON', [raw('users/config', '{nope')], /users\/config/],
    ['a location with a space', [configEntry('users', { location: '/api/us ers' })], /location/],
    [
      'a location with a newline',
      [configEntry('users', { location: '/api\nfrontend x' })],
      /location/,
    ],
    [
      'an unknown balance',
      [raw('users/config', { location: '/a', balance: 'random', sticky: false })],
      /balance/,
    ],
    ['an upper-case service name', [configEntry('Users', {})], /not a service key/],
    ['an unknown key', [raw('users/whatever', {})], /not a config or instance key/],
    [
      'an instance whose id differs from its key',
      [
        configEntry('users', {}),
        raw('users/instances/users-1-a', instance('users', 'users-1-b', '127.0.0.1:1')),
      ],
      /does not match/,
    ],
    [
      'an address with a space',
      [
        configEntry('users', {}),
        raw('users/instances/users-1-a', instance('users', 'users-1-a', '127.0.0.1:1 backup')),
      ],
      /address/,
    ],
    [
      'an address without a port',
      [
        configEntry('users', {}),
        raw('users/instances/users-1-a', instance('users', 'users-1-a', '127.0.0.1')),
      ],
      /address/,
    ],
    [
      'a port out of range',
      [
        configEntry('users', {}),
        raw('users/instances/users-1-a', instance('users', 'users-1-a', 'h:70000')),
      ],
      /address/,
    ],
    ...['127.0.0.1:0', '127.0.0.1:080', '...:80', '-users:80', '999.1.1.1:80', '[zz]:80'].map(
      (address): [string, RegistryEntry[], RegExp] => [
        `an address HAProxy refuses (${address})`,
        [
          configEntry('users', {}),
          raw('users/instances/users-1-a', instance('users', 'users-1-a', address)),
        ],
        /address/,
      ],
    ),
    [
      'an instance that is not JSON',
      [configEntry('users', {}), raw('users/instances/users-1-a', '{"id": "users-1-a",')],
      /users-1-a/,
    ],
    [
      'instances of a service without config',
      [instanceEntry('users', 'a', '127.0.0.1:1')],
      /no config/,
    ],
  ])('when the registry holds %s, then it is skipped and reported', (_case, entries, problem) => {
    const snapshot = parse(entries);

    expect(snapshot.problems).toEqual([expect.stringMatching(problem)]);
    expect(snapshot.services.flatMap((s) => s.instances)).toEqual([]);
  });

  it.each([
    ['a stranger claims /api/tokens', 'thief', '/api/tokens', /gives thief \/api\/thief/],
    [
      'a stranger claims a path below /api/tokens',
      'thief',
      '/api/tokens/x',
      /not \/api\/tokens\/x/,
    ],
    ['a stranger claims /', 'thief', '/', /not \/$/],
    ['users claims /api/tokens', 'users', '/api/tokens', /gives users \/api\/users/],
  ])(
    'when %s, then the service is not routed and the rightful one keeps its location',
    (_case, service, location, problem) => {
      const snapshot = parse([
        configEntry('tokens', {}),
        instanceEntry('tokens', 'aaaa0001', '127.0.0.1:1'),
        configEntry(service, { location }),
        instanceEntry(service, 'ffff0001', '127.0.0.1:2'),
      ]);

      expect(snapshot.problems).toEqual([expect.stringMatching(problem)]);
      expect(snapshot.services.map((s) => [s.name, s.config.location])).toEqual([
        ['tokens', '/api/tokens'],
      ]);
    },
  );

  it.each([
    ['users claims /api/channels too', 'users', /does not give users \/api\/channels/],
    ['a stranger claims /api/channels too', 'thief', /does not give thief \/api\/channels/],
  ])('when %s, then the service is not routed', (_case, service, problem) => {
    const snapshot = parse([configEntry(service, { extra_locations: ['/api/channels'] })]);

    expect(snapshot.problems).toEqual([expect.stringMatching(problem)]);
    expect(snapshot.services).toEqual([]);
  });

  it('when messages claims the extra location the catalog gives it, then it keeps it', () => {
    const snapshot = parse([configEntry('messages', { extra_locations: ['/api/channels'] })]);

    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services.map((s) => s.config.extra_locations)).toEqual([['/api/channels']]);
  });

  it('when a service the platform catalog does not name registers, then it is not routed', () => {
    const snapshot = parse([configEntry('extra', {}), configEntry('users', {})], PLATFORM_CATALOG);

    expect(snapshot.problems).toEqual([expect.stringMatching(/no service extra/)]);
    expect(snapshot.services.map((s) => s.name)).toEqual(['users']);
  });

  it('when an address is IPv6 or a host name, then it is accepted', () => {
    const snapshot = parse([
      configEntry('users', {}),
      raw('users/instances/users-1-a', instance('users', 'users-1-a', '[::1]:8000')),
      raw('users/instances/users-1-b', instance('users', 'users-1-b', 'users-2.internal:8000')),
    ]);

    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services[0]?.instances).toHaveLength(2);
  });
});
