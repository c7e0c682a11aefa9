import { ApiError, call } from './http.js';
import { callRetrying } from './retrying-call.js';

/** An authenticated call of the API, answering its JSON body. @throws ApiError */
export type Request = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
) => Promise<unknown>;

/**
 * The calls of a signed-in tab with its `token`: retried while the platform is briefly
 * unavailable (retrying-call.ts) until `stopped()`, except a POST, which might have been carried
 * out. A 401 calls `refused` (the session is over) before it is thrown.
 */
export function sessionRequest(
  token: string,
  stopped: () => boolean,
  refused: () => void,
): Request {
  return async (method, path, body) => {
    try {
      if (method === 'POST') return await call(method, path, { token }, body);
      return await callRetrying(method, path, token, body, stopped);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) refused();
      throw error;
    }
  };
}
