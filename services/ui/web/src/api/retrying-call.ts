import { ApiError, call } from './http.js';

const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An API call with a token, retried with backoff while no answer comes or the platform is
 * briefly unavailable (an instance stopping, the load balancer reloading), until `stopped()`.
 * @throws ApiError once the answer is final, or the retries are spent.
 */
export async function callRetrying(
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  token: string,
  body: unknown,
  stopped: () => boolean,
): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(method, path, { token }, body);
    } catch (error) {
      const transient = error instanceof ApiError && [0, 502, 503, 504].includes(error.status);
      const wait = RETRY_DELAYS_MS[attempt];
      if (!transient || wait === undefined || stopped()) throw error;
      await delay(wait);
    }
  }
}
