import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configShape, parseRegistry, renderConfig, validateConfig } from '@microflack/haproxy';
import { TEST_CATALOG } from '@microflack/haproxy/testing';
import { selfSigned } from './certificate.js';
import { configEntry, instanceEntry, PLATFORM, PREFIX, SETTINGS } from './fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'mf-render-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const render = (entries: Parameters<typeof parseRegistry>[2], catalog = TEST_CATALOG) =>
  renderConfig(parseRegistry(PREFIX, '1', entries, catalog), SETTINGS);

/** What `haproxy -c` says about `text` (the real binary, so the golden files are known good). */
async function haproxyAccepts(text: string, name: string): Promise<boolean> {
  const file = join(scratch, name);
  writeFileSync(file, text);
  const validation = await validateConfig('haproxy', file);
  if (!validation.valid) throw new Error(validation.reason);
  return true;
}

/** The certificate path of the HTTPS golden file; a real one replaces it for `haproxy -c`. */
const CERTIFICATE = '/etc/microflack/balancer.pem';

describe('renderConfig golden files', () => {
  const https = {
    ...SETTINGS,
    https: { port: 8443, certificate: CERTIFICATE, redirect: true, hstsMaxAgeSeconds: 31536000 },
    runAs: { user: 'haproxy', group: 'haproxy' },
  };

  it.each([
    ['platform', PLATFORM, SETTINGS],
    ['empty', [], SETTINGS],
    ['https', PLATFORM, https],
  ])(
    'when the registry is %s, then the config matches its golden file and HAProxy accepts it',
    async (name, entries, settings) => {
      const text = renderConfig(parseRegistry(PREFIX, '1', entries, TEST_CATALOG), settings);

      await expect(text).toMatchFileSnapshot(`./golden/${name}.cfg`);
      const checked = text.replaceAll(CERTIFICATE, (await selfSigned(scratch)).pem);
      expect(await haproxyAccepts(checked, `${name}.cfg`)).toBe(true);
    },
  );
});

describe('renderConfig rules', () => {
  const platform = render(PLATFORM);
  const lines = platform.split('\n').map((line) => line.trim());

  it('when locations nest, then the longest is matched first', () => {
    const catalog = {
      locations: { users: '/api/users', avatars: '/api/users/avatars' },
      admitOthers: false,
    };
    const text = render(
      [
        configEntry('users', { location: '/api/users' }),
        configEntry('avatars', { location: '/api/users/avatars' }),
      ],
      catalog,
    );
    const order = text.split('\n').filter((line) => line.includes('use_backend'));

    expect(order.map((line) => line.trim())).toEqual([
      'use_backend avatars if path_avatars',
      'use_backend users if path_users',
    ]);
  });

  it('when a service has an extra location, then both are routed to it and neither is a 404', () => {
    const text = render([
      configEntry('messages', { extra_locations: ['/api/channels'] }),
      configEntry('users', {}),
    ]);
    const frontend = text.split('\n').map((line) => line.trim());

    expect(frontend).toEqual(
      expect.arrayContaining([
        'acl path_messages path_beg /api/messages/',
        'acl path_messages.1 path /api/channels',
        'acl path_messages.1 path_beg /api/channels/',
        'use_backend messages if path_messages',
        'use_backend messages if path_messages.1',
      ]),
    );
    expect(frontend.find((line) => line.includes('if path_api'))).toContain(
      '!path_messages !path_messages.1',
    );
  });

  it.each([
    ['a location matches itself and what is below it', 'acl path_users path_beg /api/users/'],
    ['"/" goes to ui', 'default_backend ui'],
    ['servers are named after instance ids', 'server users-0.1.0-bbbb0001 127.0.0.1:40011'],
    [
      "a sticky service learns each session from Socket.IO's cookie",
      'stick store-response res.cook(io)',
    ],
    ['a sticky service matches the session id of a poll', 'stick match url_param(sid)'],
    [
      'the stick table survives reloads through the local peer',
      'stick-table type string len 64 size 100k expire 2h peers balancer',
    ],
    [
      'servers carry no cookie (dynamic servers cannot)',
      'server socketio-0.1.0-dddd0002 socketio-2:8000',
    ],
    [
      'the runtime API is on the admin socket',
      "stats socket '/var/lib/microflack/haproxy/admin.sock' mode 600 level admin",
    ],
    ['health checks hit /healthz', 'option httpchk GET /healthz'],
    [
      'non-idempotent requests are retried only when never sent',
      'http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }',
    ],
    [
      'a service without instances answers 503 no_instances',
      `http-error status 503 content-type application/json string '{"error":"No instance of messages is available.","code":"no_instances"}'`,
    ],
    ['the stats credentials are a userlist', "user 'admin' insecure-password 's3cret'"],
    [
      'the stats page and /metrics need them',
      'http-request auth realm haproxy-stats unless { http_auth(stats_users) }',
    ],
    [
      'Prometheus is served next to the stats',
      'http-request use-service prometheus-exporter if { path /metrics }',
    ],
    ['server states survive reloads', 'load-server-state-from-file global'],
  ])('when rendering the platform, then %s', (_rule, line) => {
    expect(lines).toContain(line);
  });

  it('when no service owns "/", then unclaimed paths answer 503 no_instances', () => {
    const text = render([configEntry('users', {})]);

    expect(text).toContain('default_backend _unrouted');
    expect(text).toContain('"code":"no_instances"');
  });

  it('when the stats password holds quotes, then it stays one literal word', async () => {
    const text = renderConfig(parseRegistry(PREFIX, '1', [], TEST_CATALOG), {
      ...SETTINGS,
      statsAuth: `admin:it's"$HOME`,
    });

    expect(text).toContain(`user 'admin' insecure-password 'it'\\''s"$HOME'`);
    expect(await haproxyAccepts(text, 'quotes.cfg')).toBe(true);
  });

  it('when the same registry is read twice at different revisions, then the text is identical', () => {
    const first = renderConfig(parseRegistry(PREFIX, '1', PLATFORM, TEST_CATALOG), SETTINGS);
    const second = renderConfig(
      parseRegistry(PREFIX, '99', [...PLATFORM].reverse(), TEST_CATALOG),
      SETTINGS,
    );

    expect(second).toBe(first);
  });

  it('when instances come and go, then only server lines change and the shape stays', () => {
    const fewer = render(PLATFORM.filter((entry) => !entry.key.includes('/instances/')));

    expect(configShape(fewer)).toBe(configShape(platform));
    expect(configShape(render([...PLATFORM, configEntry('extra', {})]))).not.toBe(
      configShape(platform),
    );
  });

  it('when an instance is added, then only its server line is new', () => {
    const more = render([...PLATFORM, instanceEntry('users', 'bbbb0003', '127.0.0.1:40013')]);
    const added = more.split('\n').filter((line) => !platform.split('\n').includes(line));

    expect(added).toEqual(['    server users-0.1.0-bbbb0003 127.0.0.1:40013']);
  });
});
