import { Etcd3, isRecoverableError } from 'etcd3';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
} from 'cockatiel';

export type { Etcd3 } from 'etcd3';

/** Where etcd is and who this process is there: a service's configuration fits. */
export interface EtcdAccess {
  MF_ETCD_URL: readonly string[];
  /** The user the client authenticates as, when `MF_ETCD_PASSWORD` is set. */
  MF_ETCD_USER?: string | undefined;
  MF_ETCD_PASSWORD?: string | undefined;
}

/**
 * The client's `auth` option for `access`: credentials when a password is given (then a user
 * must be too), none without one (an etcd without authentication).
 */
function credentials(access: EtcdAccess): { auth?: { username: string; password: string } } {
  const { MF_ETCD_USER: username, MF_ETCD_PASSWORD: password } = access;
  if (password === undefined) return {};
  if (username === undefined) throw new Error('MF_ETCD_PASSWORD is set without MF_ETCD_USER');
  return { auth: { username, password } };
}

/**
 * Connects to etcd (one or more endpoints, or a configuration: then as its `MF_ETCD_USER`, so
 * etcd's roles decide which keys this process may write). Fault handling is tuned for a registry: a host is
 * retried half a second after it failed (not five) and watches reconnect within a second, so an
 * instance re-registers and a watcher resyncs as soon as etcd answers again.
 */
export function connectEtcd(target: readonly string[] | EtcdAccess): Etcd3 {
  const access: EtcdAccess = 'MF_ETCD_URL' in target ? target : { MF_ETCD_URL: target };
  const recoverable = handleWhen(isRecoverableError);
  return new Etcd3({
    hosts: [...access.MF_ETCD_URL],
    ...credentials(access),
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
