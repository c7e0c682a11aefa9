import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { registryKeys, type InstanceRecord } from '@microflack/common';
import { portOf, type StandInAnswer } from '@microflack/common/testing';
import { renderConfig } from '@microflack/haproxy';
import { request, routedTo } from './http.js';
import { useStandInPlatform } from './stand-in-platform.js';

// Registry entries come from whatever can write to etcd: none may take a location from its
// service, and none may freeze the load balancer for the others.

/** The watcher's log lines at warn level and above. */
const logged: { msg: string; problem?: string }[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged.push(JSON.parse(chunk.toString('utf8')) as (typeof logged)[number]);
    done();
  },
});
const { config, etcd, balancer, standIn } = useStandInPlatform({
  logger: pino({ level: 'warn' }, sink),
  // A renderer that writes an option HAProxy refuses on the server line of any "poison"
  // instance: an entry the registry's checks let through but `haproxy -c` refuses.
  render: (snapshot, settings) =>
    renderConfig(snapshot, settings).replace(/^( {4}server \S*poison\S* \S+)$/gm, '$1 no-such'),
});
const keys = registryKeys(config.MF_ETCD_PREFIX);

/** Registers an instance record by hand, as a program that does not follow the rules would. */
async function putInstance(service: string, id: string, value: string | InstanceRecord) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  await etcd.put(keys.instance(service, id)).value(text);
}

/** The stand-in ports that answered `count` requests for `path`. */
async function answeredBy(path: string, count: number): Promise<Set<number>> {
  const ports = new Set<number>();
  for (let i = 0; i < count; i++)
    ports.add(((await request(`${balancer().url}${path}`)).body as StandInAnswer).port);
  return ports;
}

/** The registry entries the watcher logged as ignored, one line each. */
function loggedProblems(): string[] {
  return logged.flatMap((line) => line.problem ?? []);
}

describe('a location taken from its service', () => {
  it('when strangers register /api/tokens and a path below it, then every request still reaches tokens', async () => {
    const tokens = await standIn('tokens', '/api/tokens');
    await routedTo(`${balancer().url}/api/tokens`, portOf(tokens), 10_000);

    await standIn('thief', '/api/tokens');
    await standIn('burglar', '/api/tokens/keys');
    await expect
      .poll(loggedProblems, { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/ignored service thief: .* not \/api\/tokens$/));
    await expect.poll(loggedProblems).toContainEqual(expect.stringMatching(/service burglar/));
    await balancer().watcher.settled();

    expect(await answeredBy('/api/tokens', 10)).toEqual(new Set([portOf(tokens)]));
    expect(await answeredBy('/api/tokens/keys', 10)).toEqual(new Set([portOf(tokens)]));
  });
});

describe('a malformed registry entry', () => {
  const record = (id: string, address: string): InstanceRecord => ({
    id,
    service: 'steady',
    version: '0',
    address,
    started_at: 1,
  });

  it('when instances register with port 0, an address HAProxy refuses or garbage, then each is ignored alone and later changes still apply', async () => {
    const first = await standIn('steady');
    await routedTo(`${balancer().url}/api/steady`, portOf(first), 10_000);

    await putInstance('steady', 'steady-port0', record('steady-port0', '127.0.0.1:0'));
    await putInstance('steady', 'steady-dots', record('steady-dots', '...:8000'));
    await putInstance('steady', 'steady-junk', '{"id": "steady-junk", garbage');
    const second = await standIn('steady');

    await routedTo(`${balancer().url}/api/steady`, portOf(second), 10_000);
    await routedTo(`${balancer().url}/api/steady`, portOf(first), 10_000);
    for (const id of ['steady-port0', 'steady-dots', 'steady-junk'])
      expect(loggedProblems().filter((problem) => problem.includes(id))).toHaveLength(1);
  });

  it('when HAProxy refuses one instance that passed every check, then it alone is left out and the reload goes on', async () => {
    const steady = await standIn('steady');
    await routedTo(`${balancer().url}/api/steady`, portOf(steady), 10_000);
    const reloads = balancer().watcher.reloads;

    // A new service (a reload, where `haproxy -c` runs) whose only instance HAProxy refuses;
    // the instance first, so that it is part of the reload.
    await putInstance('fresh', 'fresh-poison', {
      ...record('fresh-poison', '127.0.0.1:9'),
      service: 'fresh',
    });
    await etcd
      .put(keys.serviceConfig('fresh'))
      .value(JSON.stringify({ location: '/api/fresh', balance: 'roundrobin', sticky: false }));

    await expect
      .poll(async () => (await request(`${balancer().url}/api/fresh`)).body, { timeout: 10_000 })
      .toMatchObject({ code: 'no_instances' });
    await balancer().watcher.settled();
    expect(balancer().watcher.reloads).toBeGreaterThan(reloads);
    expect(loggedProblems()).toContainEqual(expect.stringMatching(/fresh-poison: HAProxy refused/));
    expect(logged.map((line) => line.msg)).not.toContain(
      'rendered configuration failed validation; the last good one keeps serving',
    );
  });
});
