import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

export type { Logger } from 'pino';

/** The header that carries a request id from HAProxy, between services, and back to the client. */
export const REQUEST_ID_HEADER = 'x-request-id';

const requestIds = new AsyncLocalStorage<string>();

/**
 * What never reaches a log line, at any depth pino's paths reach: credentials in headers,
 * password fields of bodies or objects a caller logs (`current_password` of a password change),
 * and the URLs that carry a database's or Redis's password (`postgres://users:<password>@…`).
 */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'password',
  'current_password',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.*.authorization',
  '*.*.cookie',
  '*.*["set-cookie"]',
  '*.*.password',
  '*.*.current_password',
  'connectionString',
  'DATABASE_URL',
  'REDIS_URL',
  '*.connectionString',
  '*.DATABASE_URL',
  '*.REDIS_URL',
];

/**
 * Creates the process's one logger; everything else takes child loggers from it. Secrets in
 * {@link REDACTED_PATHS} are removed whatever logs them.
 *
 * @param destination where lines go (stdout by default; tests capture them).
 */
export function createLogger(
  service: string,
  level = 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    name: service,
    level,
    base: { service, pid: process.pid },
    // Removed rather than masked: `grep -ri authorization` over the logs finds nothing at all.
    redact: { paths: REDACTED_PATHS, remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The id of the HTTP request being handled by the current async context, if any. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

// A client's id is kept only when short and plain: anything else could forge log lines or bloat them.
const VALID_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A request as its log line shows it: no headers, no query string (it may carry a token), no
 * body. The client address is the one Express resolved through the load balancer (`req.ip`).
 */
function requestSummary(req: IncomingMessage): Record<string, unknown> {
  const { method, url = '', socket } = req;
  const ip = 'ip' in req && typeof req.ip === 'string' ? req.ip : socket.remoteAddress;
  return { id: req.id, method, path: url.split('?')[0], ip };
}

/**
 * Express middleware: logs each request (method, path, status, duration, request id, client
 * address) through a child logger (`req.log`) tagged with a request id taken from `X-Request-Id`
 * when it is short and plain, or generated; echoes the id in the response and
 * makes it visible to {@link currentRequestId} so outgoing calls pass it along.
 */
export function requestLogging(
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const http: HttpLogger = pinoHttp({
    logger,
    genReqId(req, res) {
      const given = req.headers[REQUEST_ID_HEADER];
      const id = typeof given === 'string' && VALID_ID.test(given) ? given : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel(_req, res, error) {
      if (error || res.statusCode >= 500) return 'error';
      return 'info';
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    // Method, path, status, duration, request id and client address: never a header.
    serializers: {
      req: requestSummary,
      res: (res: ServerResponse) => ({ status: res.statusCode }),
    },
    // The serializers get the raw request: only what they pick is written.
    wrapSerializers: false,
  });
  return (req, res, next) => {
    http(req, res);
    requestIds.run(typeof req.id === 'string' ? req.id : randomUUID(), next);
  };
}
