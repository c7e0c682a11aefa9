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

/**
 * Registers a fresh user through the load balancer and signs it in. Tried up to three times: on
 * a machine this busy, tokens may give up on users (a 503 that asks the client to try again).
 */
export async function benchUser(url: string): Promise<SignedInUser> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await signedInUser(url, 'bench');
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
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
 * `count` fresh users, two registered at a time: each costs users two bcrypt hashes, and a
 * deeper queue of them only makes tokens time out on users.
 */
export async function benchUsers(url: string, count: number): Promise<SignedInUser[]> {
  const users: SignedInUser[] = [];
  let started = 0;
  const worker = async () => {
    while (started++ < count) users.push(await benchUser(url));
  };
  await Promise.all(Array.from({ length: Math.min(2, count) }, worker));
  return users;
}

/**
 * Posts `count` messages through `url`, spread over enough fresh users that none nears its
 * posting limit (10/s, burst 20); resolves with those users.
 */
export async function seedMessages(url: string, count: number): Promise<SignedInUser[]> {
  const users = await benchUsers(url, Math.ceil(count / 10));
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
