import type { Logger } from 'pino';
import { backOff, type BackoffOptions } from './backoff.js';
import { errorBody } from './errors.js';
import { currentRequestId, REQUEST_ID_HEADER } from './logger.js';

/** A response from another service. */
export interface ServiceResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
}

/** Options of one call. */
export interface CallOptions {
  headers?: Record<string, string>;
  json?: unknown;
  /**
   * The request must reach a service at most once, whatever its method (a sign-in: each attempt
   * costs users a bcrypt hash). It is retried only when it provably reached none: the
   * connection was refused, or the answer is the load balancer's own 503 (no live instance), not
   * a service's `{error, code}`.
   */
  once?: boolean;
}

/** Retry policy: how many attempts in all, and the backoff between them. */
export interface RetryPolicy extends BackoffOptions {
  attempts: number;
  timeoutMs: number;
}

const DEFAULT_POLICY: RetryPolicy = { attempts: 5, baseMs: 50, maxMs: 1000, timeoutMs: 5000 };
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// Errors that prove the request never left: safe to retry even a POST.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return typeof cause === 'object' && cause !== null && 'code' in cause
    ? String(cause.code)
    : undefined;
}

/** Thrown when every attempt failed to get an answer. */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
}

/**
 * Calls other services through the load balancer, passing the current request id along.
 * Retries with exponential backoff and jitter on connection errors, 502 and 503 — a
 * non-idempotent request only when it provably was not delivered (connection refused, or the
 * balancer's 503 for a service with no live instance).
 */
export class ServiceClient {
  constructor(
    private readonly baseUrl: string,
    private readonly logger: Logger,
    private readonly policy: RetryPolicy = DEFAULT_POLICY,
  ) {}

  /** Sends `method path` and returns the final answer; throws {@link ServiceUnavailableError}. */
  async request(method: string, path: string, options: CallOptions = {}): Promise<ServiceResponse> {
    const idempotent = IDEMPOTENT.has(method) && options.once !== true;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      // A fresh connection per call: a pooled keep-alive connection can be closed by an HAProxy
      // reload just as a request goes out on it, and a POST lost that way could not be retried
      // safely. On loopback the extra handshake costs next to nothing.
      connection: 'close',
    };
    const requestId = currentRequestId();
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    let lastProblem = 'no attempt made';
    for (let attempt = 0; attempt < this.policy.attempts; attempt++) {
      if (attempt > 0) await backOff(attempt - 1, this.policy);
      let response: Response;
      try {
        response = await fetch(new URL(path, this.baseUrl), {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.policy.timeoutMs),
        });
      } catch (error) {
        lastProblem = causeCode(error) ?? (error instanceof Error ? error.message : String(error));
        if (idempotent || NOT_SENT.has(causeCode(error) ?? '')) continue;
        break;
      }
      const answer = {
        status: response.status,
        headers: response.headers,
        body: await jsonBody(response),
      };
      const fromService = options.once === true && errorBody.safeParse(answer.body).success;
      const retryable =
        (response.status === 503 && !fromService) || (idempotent && response.status === 502);
      if (retryable && attempt + 1 < this.policy.attempts) {
        lastProblem = `status ${response.status}`;
        continue;
      }
      return answer;
    }
    this.logger.warn({ method, path, problem: lastProblem }, 'service call failed');
    throw new ServiceUnavailableError(`${method} ${path} failed: ${lastProblem}`);
  }
}

async function jsonBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
