import { Etcd3, isRecoverableError } from 'etcd3';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
} from 'cockatiel';

export type { Etcd3 } from 'etcd3';

/**
 * Connects to etcd (one or more endpoints). Fault handling is tuned for a registry: a host is
 * retried half a second after it failed (not five) and watches reconnect within a second, so an
 * instance re-registers and a watcher resyncs as soon as etcd answers again.
 */
export function connectEtcd(hosts: readonly string[]): Etcd3 {
  const recoverable = handleWhen(isRecoverableError);
  return new Etcd3({
    hosts: [...hosts],
    dialTimeout: 2000,
    faultHandling: {
      host: () =>
        circuitBreaker(recoverable, { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(3) }),
      global: retry(recoverable, {
        maxAttempts: 2,
        backoff: new ExponentialBackoff({ maxDelay: 200 }),
      }),
      watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }).next(),
    },
  });
}
