// The whole platform the benchmark measures: every service on the local runtime, started by the
// admin commands on a private prefix, state directory, databases and HAProxy.
import { LocalPlatform } from '@microflack/admin/testing';
import { bearer, signedInUser, type SignedInUser } from '@microflack/common/testing';

const SERVICES = ['users', 'tokens', 'messages', 'socketio', 'ui'] as const;

/** Starts one instance of every service and waits until each takes traffic. */
export async function startBenchPlatform(): Promise<LocalPlatform> {
  const platform = await LocalPlatform.start();
  try {
    for (const service of SERVICES) await platform.run('mfrun', [service]);
    return platform;
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/** Registers a fresh user through the load balancer and signs it in. */
export function benchUser(url: string): Promise<SignedInUser> {
  return signedInUser(url, 'bench');
}

/** Posts `source` as `user`; throws unless it was created. */
export async function benchPost(url: string, user: SignedInUser, source: string): Promise<void> {
  const response = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { authorization: bearer(user.token), 'content-type': 'application/json' },
    body: JSON.stringify({ source }),
  });
  if (response.status !== 201) throw new Error(`a post answered ${response.status}`);
}

/**
 * Posts `count` messages through `url`, spread over enough fresh users that none nears its
 * posting limit (10/s, burst 20); resolves with those users.
 */
export async function seedMessages(url: string, count: number): Promise<SignedInUser[]> {
  const users = await Promise.all(
    Array.from({ length: Math.ceil(count / 10) }, () => benchUser(url)),
  );
  for (let n = 0; n < count; n++) {
    const user = users[n % users.length];
    if (user !== undefined) await benchPost(url, user, `bench message ${n}: some **markdown**`);
  }
  return users;
}

/** The address (`http://host:port`) and id of the first instance of `service`. */
export async function instanceOf(
  platform: LocalPlatform,
  service: string,
): Promise<{ id: string; url: string }> {
  const [row] = await platform.ps(service);
  if (row === undefined) throw new Error(`no ${service} instance`);
  return { id: row.instance, url: `http://${row.address}` };
}
