import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

export type { Logger } from 'pino';

/** The header that carries a request id from HAProxy, between services, and back to the client. */
export const REQUEST_ID_HEADER = 'x-request-id';

const requestIds = new AsyncLocalStorage<string>();

/** Creates the process's one logger; everything else takes child loggers from it. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } });
}

/** The id of the HTTP request being handled by the current async context, if any. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

const VALID_ID = /^[\w.:-]{1,128}$/;

/**
 * Express middleware: logs each request through a child logger (`req.log`) tagged with a request
 * id taken from `X-Request-Id` when it is sane, or generated; echoes the id in the response and
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
  });
  return (req, res, next) => {
    http(req, res);
    requestIds.run(typeof req.id === 'string' ? req.id : randomUUID(), next);
  };
}
