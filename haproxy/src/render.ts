import type { HttpsSettings, RenderSettings } from './render-settings.js';
import type { RegistrySnapshot, ServiceRoute } from './snapshot.js';

export type { HttpsSettings, RenderSettings } from './render-settings.js';

/**
 * The cookie Socket.IO sets on its handshake (its server option `cookie: {name: 'io'}`), holding
 * the session id: sticky backends learn each session's instance from it.
 */
export const SESSION_COOKIE = 'io';

/** The peers section (and local peer name) that carries stick tables across reloads. */
const PEERS = 'balancer';

/**
 * Health checks of every server: `GET /healthz` every second, down after 2 failures (250 ms apart
 * after the first), up after 1 success, a new server checked at once (100 ms). Written out on each
 * server added at run time too: dynamic servers do not inherit `default-server`.
 */
export const SERVER_CHECKS =
  'check inter 1s fastinter 250ms downinter 100ms fall 2 rise 1 observe layer4 error-limit 3 on-error mark-down';

/** The userlist holding the stats credentials. */
const STATS_USERS = 'stats_users';

/** Backend for paths no service claims when no service owns "/" either. */
const UNROUTED = '_unrouted';

/** HTTP methods a retry may safely repeat after the request reached a server (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = 'GET HEAD OPTIONS PUT DELETE';

/** A word HAProxy reads literally: single quotes, with embedded quotes closed and escaped. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function errorBody(error: string, code: string): string {
  return quote(JSON.stringify({ error, code }));
}

/** A JSON answer given by HAProxy itself. */
function jsonReturn(status: number, error: string, code: string): string {
  return `status ${status} content-type application/json string ${errorBody(error, code)}`;
}

/** A path prefix a service claims, and the name of its ACL. */
interface Claim {
  service: string;
  location: string;
  acl: string;
}

/**
 * The path prefixes services claim (their location and `extra_locations`), longest first so the
 * most specific wins. An extra location's ACL is `path_<service>.<n>`: a dot no service name holds.
 */
function claims(services: readonly ServiceRoute[]): Claim[] {
  return services
    .flatMap(({ name, config }) => [
      { service: name, location: config.location, acl: `path_${name}` },
      ...(config.extra_locations ?? []).map((location, index) => ({
        service: name,
        location,
        acl: `path_${name}.${index + 1}`,
      })),
    ])
    .filter((claim) => claim.location !== '/')
    .sort(
      (a, b) =>
        b.location.length - a.location.length ||
        a.service.localeCompare(b.service) ||
        a.acl.localeCompare(b.acl),
    );
}

function globalSection(settings: RenderSettings): string[] {
  const { runAs } = settings;
  return [
    'global',
    '    log stdout format raw local0 info',
    ...(runAs ? [`    user ${quote(runAs.user)}`, `    group ${quote(runAs.group)}`] : []),
    `    hard-stop-after ${settings.hardStopAfterSeconds}s`,
    `    server-state-file ${quote(settings.stateFile)}`,
    `    stats socket ${quote(settings.adminSocket)} mode 600 level admin`,
    `    localpeer ${PEERS}`,
  ];
}

/** A local peer only: a reloading HAProxy hands its stick tables to the new worker through it. */
function peersSection(settings: RenderSettings): string[] {
  const { runAs } = settings;
  // The old worker pushes its tables to the new one through this socket: under `runAs` it
  // belongs to that user (the directory is then traversable, see prepareConfig).
  const owner = runAs ? ` user ${quote(runAs.user)} group ${quote(runAs.group)} mode 600` : '';
  return [
    `peers ${PEERS}`,
    `    bind ${quote(`unix@${settings.peersSocket}`)}${owner}`,
    `    server ${PEERS}`,
  ];
}

function defaultsSection(): string[] {
  return [
    'defaults',
    '    mode http',
    '    log global',
    '    option dontlog-normal',
    '    log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r %ID"',
    '    option forwardfor',
    '    option idle-close-on-response',
    // The whole (small) body is read before a server is chosen: a client that stalls mid-body
    // gets the 408 of `timeout http-request`, not a server's 504 a minute later.
    '    option http-buffer-request',
    '    option redispatch 1',
    '    retries 3',
    '    retry-on conn-failure empty-response 503',
    '    timeout connect 2s',
    '    timeout client 60s',
    '    timeout server 60s',
    '    timeout http-request 10s',
    '    timeout http-keep-alive 60s',
    '    timeout queue 5s',
    '    load-server-state-from-file global',
    `    default-server init-addr last,libc,none ${SERVER_CHECKS}`,
    // Every answer HAProxy makes itself is a JSON error body (docs/api.md), like the services' own.
    `    http-error ${jsonReturn(400, 'The request could not be read.', 'bad_request')}`,
    `    http-error ${jsonReturn(408, 'The request did not arrive in time.', 'request_timeout')}`,
    `    http-error ${jsonReturn(500, 'Something went wrong in the load balancer.', 'internal_error')}`,
    `    http-error ${jsonReturn(502, 'The service answered badly.', 'bad_gateway')}`,
    `    http-error ${jsonReturn(503, 'No instance of this service is available.', 'no_instances')}`,
    `    http-error ${jsonReturn(504, 'The service did not answer in time.', 'gateway_timeout')}`,
  ];
}

/**
 * The HTTPS side of the frontend: a TLS listener, `X-Forwarded-Proto` for the services, cookies
 * made `Secure` (Socket.IO's `io` cookie among them: its name, so stickiness, is unchanged), and
 * when asked a redirect and HSTS. `/api` is never redirected: the services call each other through
 * the load balancer over plain HTTP, and an API client that sent a token over HTTP has already
 * leaked it; browsers, sent to HTTPS for the ui's page, stay there (relative URLs, HSTS).
 */
function httpsLines(bindHost: string, https: HttpsSettings): string[] {
  const lines = [
    `    bind ${bindHost}:${https.port} ssl crt ${quote(https.certificate)} alpn http/1.1`,
    '    http-request set-header X-Forwarded-Proto https if { ssl_fc }',
    '    http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
    `    http-response replace-header Set-Cookie ${quote(String.raw`^((?!.*;\s*[Ss]ecure(;|$)).*)$`)} ${quote(String.raw`\1; Secure`)} if { ssl_fc }`,
  ];
  if (https.redirect) {
    const target = `https://%[req.hdr(host),regsub(:\\d+$,)]:${https.port}%[capture.req.uri]`;
    lines.push(
      `    http-request redirect location ${quote(target)} code 308 unless { ssl_fc } || { path /api } || { path_beg /api/ }`,
    );
  }
  if (https.hstsMaxAgeSeconds > 0) {
    lines.push(
      `    http-after-response set-header Strict-Transport-Security max-age=${https.hstsMaxAgeSeconds} if { ssl_fc }`,
    );
  }
  return lines;
}

function frontendSection(snapshot: RegistrySnapshot, settings: RenderSettings): string[] {
  const claimed = claims(snapshot.services);
  const root = snapshot.services.find((service) => service.config.location === '/');
  const lines = [
    'frontend http',
    `    bind ${settings.bindHost}:${settings.balancerPort}`,
    ...(settings.https ? httpsLines(settings.bindHost, settings.https) : []),
    '    unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid',
    '    http-request set-header X-Request-Id %[unique-id] unless { req.hdr(x-request-id) -m found }',
    '    http-request set-var(txn.request_id) req.hdr(x-request-id)',
    '    http-after-response set-header X-Request-Id %[var(txn.request_id)] unless { res.hdr(x-request-id) -m found }',
    `    http-request disable-l7-retry unless { method ${IDEMPOTENT_METHODS} }`,
  ];
  for (const { location, acl } of claimed) {
    lines.push(`    acl ${acl} path ${location}`);
    lines.push(`    acl ${acl} path_beg ${location}/`);
  }
  // An /api path that no registered service claims is an unknown route (404), not a service
  // without instances (503) — and never the ui's page.
  const unclaimed = claimed.map(({ acl }) => ` !${acl}`).join('');
  lines.push(
    '    acl path_api path /api',
    '    acl path_api path_beg /api/',
    `    http-request return ${jsonReturn(404, 'There is no such API route.', 'not_found')} if path_api${unclaimed}`,
  );
  for (const { service, acl } of claimed) lines.push(`    use_backend ${service} if ${acl}`);
  lines.push(`    default_backend ${root?.name ?? UNROUTED}`);
  return lines;
}

/**
 * A service's backend. Its text does not depend on how many instances there are except for the
 * server lines, so instances come and go through the runtime API without a reload; without a
 * server HAProxy answers the backend's own 503.
 */
function serviceBackend(service: ServiceRoute): string[] {
  const { name, config, instances } = service;
  const message = `No instance of ${name} is available.`;
  const lines = [
    `backend ${name}`,
    `    balance ${config.balance}`,
    '    option httpchk GET /healthz',
    `    http-error ${jsonReturn(503, message, 'no_instances')}`,
  ];
  if (config.sticky) {
    lines.push(
      // A session stays on the instance that answered its handshake: the table learns the session
      // id from Socket.IO's cookie and matches it on the `sid` every later request of the session
      // carries. Not on the cookie: a reconnecting browser's new handshake still sends the old
      // session's cookie, and must not be sent back to a draining instance.
      `    stick-table type string len 64 size 100k expire 2h peers ${PEERS}`,
      `    stick store-response res.cook(${SESSION_COOKIE})`,
      '    stick match url_param(sid)',
      // WebSockets live as long as the chat tab; idle ones are kept alive by Socket.IO pings.
      '    timeout tunnel 1h',
    );
  }
  for (const instance of instances) lines.push(`    server ${instance.id} ${instance.address}`);
  return lines;
}

/** A configuration without its server lines: two texts with the same shape differ only in servers. */
export function configShape(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^ {4}server \S+ \S/.test(line))
    .join('\n');
}

function unroutedBackend(): string[] {
  const message = 'No service handles this path.';
  return [
    `backend ${UNROUTED}`,
    `    http-request return ${jsonReturn(503, message, 'no_instances')}`,
  ];
}

/**
 * The stats port: `/healthz` (answered before any rule) is open for supervisors; the stats page
 * and Prometheus' `/metrics` need the stats credentials, since both show every instance's address.
 */
function statsSection(settings: RenderSettings): string[] {
  const colon = settings.statsAuth.indexOf(':');
  const user = settings.statsAuth.slice(0, colon);
  const password = settings.statsAuth.slice(colon + 1);
  return [
    `userlist ${STATS_USERS}`,
    `    user ${quote(user)} insecure-password ${quote(password)}`,
    '',
    'frontend stats',
    `    bind ${settings.bindHost}:${settings.statsPort}`,
    '    monitor-uri /healthz',
    `    http-request auth realm haproxy-stats unless { http_auth(${STATS_USERS}) }`,
    '    http-request use-service prometheus-exporter if { path /metrics }',
    '    stats enable',
    '    stats uri /stats',
    '    stats refresh 5s',
  ];
}

/**
 * Renders haproxy.cfg for a registry snapshot (docs/architecture.md, load balancer). Pure and deterministic: the same
 * routing gives the same text, so the watcher reloads only when something really changed.
 */
export function renderConfig(snapshot: RegistrySnapshot, settings: RenderSettings): string {
  const sections = [
    ['# Generated by the MicroFlack balancer watcher from the registry: do not edit.'],
    globalSection(settings),
    peersSection(settings),
    defaultsSection(),
    frontendSection(snapshot, settings),
    ...snapshot.services.map(serviceBackend),
    ...(snapshot.services.some((service) => service.config.location === '/')
      ? []
      : [unroutedBackend()]),
    statsSection(settings),
  ];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}
