import type { Failure } from '../format/auth-errors.js';
import { isObject } from '../state/models.js';

/** A failed call: the `{error, code}` body of the API, its status and `Retry-After`. */
export class ApiError extends Error implements Failure {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** How a call authenticates: a Bearer token, Basic credentials, or not at all. */
export type Credentials = { token: string } | { nickname: string; password: string } | undefined;

function authorization(credentials: Credentials): Record<string, string> {
  if (credentials === undefined) return {};
  if ('token' in credentials) return { authorization: `Bearer ${credentials.token}` };
  const bytes = new TextEncoder().encode(`${credentials.nickname}:${credentials.password}`);
  return { authorization: `Basic ${btoa(String.fromCodePoint(...bytes))}` };
}

function retryAfter(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined;
}

async function errorOf(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  const fields = isObject(body) ? body : {};
  const message = typeof fields['error'] === 'string' ? fields['error'] : response.statusText;
  const code = typeof fields['code'] === 'string' ? fields['code'] : `http_${response.status}`;
  return new ApiError(response.status, code, message, retryAfter(response));
}

/**
 * Calls the platform's API on this origin and returns the JSON body (undefined for 204).
 * @throws ApiError with the API's `{error, code}`, or status 0 when no answer came.
 */
export async function call(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  credentials?: Credentials,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...authorization(credentials),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The chat cannot be reached.');
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined;
  return response.json().catch(() => {
    throw new ApiError(response.status, 'malformed_answer', 'The answer could not be read.');
  });
}
