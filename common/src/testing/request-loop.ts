import { Worker } from 'node:worker_threads';

/** How {@link startRequestLoop} loads a URL. */
export interface RequestLoopOptions {
  /** Only 127.0.0.1 URLs are loaded: the loop is for tests and benchmarks on this machine. */
  url: string;
  /** Requests in flight at once (each on a pooled keep-alive connection, like a real client). */
  concurrency: number;
  /** Upper bounds: the loop ends at whichever comes first. */
  maxRequests: number;
  maxMs: number;
  /** Every n-th request is a POST (retried by HAProxy only when it never reached a server). */
  postEvery?: number;
}

/** One request that did not get its 200. */
export interface RequestFailure {
  method: string;
  /** The status, or the error's message when there was no response. */
  outcome: number | string;
  atMs: number;
}

/** What a request loop saw. */
export interface RequestLoopResult {
  requests: number;
  failures: RequestFailure[];
  elapsedMs: number;
  perSecond: number;
}

/** A running request loop. */
export interface RequestLoop {
  /** Resolves when the first answer came back: the loop is warm and measuring. */
  readonly warm: Promise<void>;
  /** Ends the loop (in-flight requests finish) and reports. */
  stop(): Promise<RequestLoopResult>;
}

/**
 * Sends requests back to back from `concurrency` workers until `stopped` resolves or a bound is
 * reached, and counts every answer that is not a 200 (network errors included).
 */
export async function runRequestLoop(
  options: RequestLoopOptions,
  stopped: Promise<void>,
  onWarm: () => void = () => undefined,
): Promise<RequestLoopResult> {
  if (new URL(options.url).hostname !== '127.0.0.1') throw new Error('loops target 127.0.0.1 only');
  const started = performance.now();
  const failures: RequestFailure[] = [];
  let requests = 0;
  let issued = 0;
  let warmAt = started;
  let stopping = false;
  void stopped.then(() => (stopping = true));
  const more = () =>
    !stopping && issued < options.maxRequests && performance.now() - started < options.maxMs;
  const worker = async () => {
    while (more()) {
      const post = options.postEvery !== undefined && issued % options.postEvery === 0;
      issued++;
      const method = post ? 'POST' : 'GET';
      try {
        const response = await fetch(options.url, {
          method,
          ...(post ? { body: '{"n":1}', headers: { 'content-type': 'application/json' } } : {}),
        });
        await response.arrayBuffer();
        if (response.status !== 200) {
          failures.push({ method, outcome: response.status, atMs: performance.now() - started });
        }
      } catch (error) {
        // fetch reports the socket-level reason (ECONNRESET, …) as the error's cause.
        const cause = error instanceof Error ? error.cause : undefined;
        const outcome = cause instanceof Error ? cause.message : String(error);
        failures.push({ method, outcome, atMs: performance.now() - started });
      }
      if (requests++ === 0) {
        warmAt = performance.now();
        onWarm();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  // The rate counts from the first answer: starting the worker thread is not the balancer's time.
  const perSecond = ((requests - 1) * 1000) / Math.max(1, performance.now() - warmAt);
  return { requests, failures, elapsedMs, perSecond };
}

/**
 * Runs {@link runRequestLoop} in a worker thread, so the load does not compete for the event loop
 * with the instances and watcher of the test that measures it.
 */
export function startRequestLoop(options: RequestLoopOptions): RequestLoop {
  const worker = new Worker(new URL('./request-loop-worker.js', import.meta.url), {
    workerData: options,
  });
  let warmed: () => void = () => undefined;
  const warm = new Promise<void>((resolve) => (warmed = resolve));
  const result = new Promise<RequestLoopResult>((resolve, reject) => {
    worker.on('message', (message: RequestLoopResult | 'warm') => {
      if (message === 'warm') warmed();
      else resolve(message);
    });
    worker.once('error', reject);
  });
  return {
    warm,
    async stop() {
      worker.postMessage('stop');
      const outcome = await result;
      await worker.terminate();
      return outcome;
    },
  };
}
