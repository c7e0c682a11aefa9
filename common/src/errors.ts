import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { dependencyFailure } from './dependency-errors.js';

/** The one error type routes throw; the error handler turns it into the {@link ErrorBody}. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  /**
   * @param status HTTP status (4xx for anything a client caused).
   * @param code snake_case machine-readable code.
   * @param message a human sentence.
   * @param headers extra response headers (`WWW-Authenticate`, `Retry-After`, …).
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The `WWW-Authenticate` challenge of every 401: Bearer, so browsers never show a prompt. */
export const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="microflack"' } as const;

/** A 401 with the Bearer challenge. */
export function unauthorized(message: string, code = 'unauthorized'): HttpError {
  return new HttpError(401, code, message, BEARER_CHALLENGE);
}

/** The body of every failure, written by the error handler and parsed by callers (docs/api.md). */
export const errorBody = z.object({
  /** A human sentence. */
  error: z.string(),
  /** A snake_case machine-readable code. */
  code: z.string(),
});

/** The error body of every failure: `{error, code}`. */
export type ErrorBody = z.infer<typeof errorBody>;

/** The 404 for unknown routes, mounted after every router. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `There is no ${req.method} ${req.path}.`));
};

// http-errors as thrown by body-parser (with a `type`) and by the router (a malformed
// percent-encoding in the path, no `type`); a broken gzip body comes without a `type` too.
interface BodyParserError {
  type?: unknown;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<BodyParserError>).status === 'number'
  );
}

function fromBodyParser(error: BodyParserError): HttpError {
  switch (error.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', 'The request body is larger than 16 KiB.');
    case 'entity.parse.failed':
      return new HttpError(400, 'malformed_json', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(
        415,
        'unsupported_encoding',
        'The request body encoding is not supported.',
      );
    default:
      return new HttpError(400, 'bad_request', 'The request could not be read.');
  }
}

/**
 * The one error handler: HttpErrors and body-parser failures become their 4xx body; a
 * dependency that is away (Redis, PostgreSQL) a 503 with its code; anything else is a bug,
 * logged in full and answered with a 500 that reveals nothing.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const failure = asHttpError(error, req.log);
  const body: ErrorBody = { error: failure.message, code: failure.code };
  res.status(failure.status).set(failure.headers).json(body);
};

function asHttpError(error: unknown, log: Logger): HttpError {
  if (error instanceof HttpError) return error;
  if (isBodyParserError(error) && error.status < 500) return fromBodyParser(error);
  const unavailable = dependencyFailure(error);
  if (unavailable) {
    log.warn({ err: error, code: unavailable.code }, 'dependency unavailable');
    return unavailable;
  }
  log.error({ err: error }, 'unhandled error');
  return new HttpError(500, 'internal_error', 'Something went wrong on our side.');
}
