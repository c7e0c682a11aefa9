import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisArgs } from '../src/infra/components.js';
import { etcdArgs, etcdMemberArgs } from '../src/infra/etcd.js';
import { etcdEndpoints, etcdMembers } from '../src/infra/etcd-members.js';
import { installDecision, missingPackages, type InstallDecision } from '../src/infra/packages.js';
import { selectInstances } from '../src/local/select.js';

const mfinfra = fileURLToPath(new URL('../mfinfra', import.meta.url));
const run = promisify(execFile);

describe('infrastructure command lines', () => {
  it('when etcd is planned, then it listens and advertises on loopback only', () => {
    const args = etcdArgs('/data', 12379, 12380);

    expect(args).toContain('--listen-client-urls=http://127.0.0.1:12379');
    expect(args).toContain('--initial-cluster=microflack=http://127.0.0.1:12380');
    expect(args.join(' ')).not.toMatch(/0\.0\.0\.0/);
  });

  it('when the registry has three members, then each gets the next port pair and knows the others', () => {
    const layout = { MF_ETCD_MEMBERS: 3, MF_ETCD_PORT: 12379, MF_ETCD_PEER_PORT: 12380 };

    const members = etcdMembers(layout);
    const [, second] = members;
    if (!second) throw new Error('no second member');
    const args = etcdMemberArgs('/data-2', second, members);

    expect(members.map((m) => [m.name, m.port, m.peerPort])).toEqual([
      ['microflack-1', 12379, 12380],
      ['microflack-2', 12381, 12382],
      ['microflack-3', 12383, 12384],
    ]);
    expect(args).toContain('--listen-client-urls=http://127.0.0.1:12381');
    expect(args).toContain(
      '--initial-cluster=microflack-1=http://127.0.0.1:12380,microflack-2=http://127.0.0.1:12382,microflack-3=http://127.0.0.1:12384',
    );
    expect(etcdEndpoints(layout)).toEqual([
      'http://127.0.0.1:12379',
      'http://127.0.0.1:12381',
      'http://127.0.0.1:12383',
    ]);
  });

  it('when redis is planned, then it binds loopback and persists nothing', () => {
    const args = redisArgs('/dir', 16379, '/run/redis.pid', '/logs/redis.log');

    expect(args.join(' ')).toBe(
      '- --port 16379 --bind 127.0.0.1 --daemonize yes --save  --appendonly no --dir /dir --pidfile /run/redis.pid --logfile /logs/redis.log',
    );
  });

  it('when some packages are absent, then exactly those are reported', () => {
    const missing = missingPackages([
      { package: 'here', present: () => true },
      { package: 'gone', present: () => false },
    ]);

    expect(missing).toEqual(['gone']);
  });
});

describe('installDecision', () => {
  const summary = (decision: InstallDecision) => {
    if (decision.action === 'install') return `install ${decision.packages.join(' ')}`;
    if (decision.action === 'none') return 'nothing';
    return decision.reason.includes('mfup') ? 'refuse: run mfup' : 'refuse: run as root';
  };

  it.each([
    [[], true, false, 'nothing'],
    [[], false, true, 'nothing'],
    [['haproxy', 'redis-server'], true, false, 'install haproxy redis-server'],
    [['haproxy'], true, true, 'refuse: run mfup'],
    [['haproxy'], false, true, 'refuse: run mfup'],
    [['haproxy'], false, false, 'refuse: run as root'],
  ])(
    'when %j is missing, root is %s and MF_NO_INSTALL is %s, then it decides: %s',
    (missing, root, noInstall, expected) => {
      expect(summary(installDecision(missing, { root, noInstall }))).toBe(expected);
    },
  );

  it('when it refuses, then the one line names every package and the apt-get command', () => {
    const decision = installDecision(['etcd-server', 'haproxy'], { root: true, noInstall: true });

    expect(decision).toEqual({
      action: 'refuse',
      reason:
        'missing Debian packages etcd-server, haproxy; run ./admin/mfup (it installs them) or, as root: apt-get update && apt-get install -y etcd-server haproxy',
    });
  });
});

describe('mfinfra', () => {
  it('when MF_NO_INSTALL=1 and packages are missing, then up installs nothing and fails with one error line', async () => {
    const main = fileURLToPath(new URL('../dist/cli/mfinfra.js', import.meta.url));
    const env = { ...process.env, MF_NO_INSTALL: '1', PATH: '/nonexistent' };

    const failed = run(process.execPath, [main, 'up'], { env });

    await expect(failed).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        /^error: missing Debian packages [^\n]*haproxy[^\n]*mfup[^\n]*\n$/,
      ) as unknown,
    });
  });

  it('when the infrastructure is up, then a second up is a no-op and status lists every component', async () => {
    const up = await run(mfinfra, ['up']);
    const status = await run(mfinfra, ['status']);

    expect(up.stdout).not.toMatch(/starting/);
    expect(status.stdout).toMatch(/^etcd\s+running/m);
    expect(status.stdout).toMatch(/^postgresql\s+running/m);
    expect(status.stdout).toMatch(/^redis\s+running/m);
  });

  it('when given an unknown action, then it prints one error line and exits 1', async () => {
    await expect(run(mfinfra, ['sideways'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: /) as unknown,
    });
  });
});

describe('selectInstances', () => {
  const ids = ['users-1.0-aaaaaaaa', 'users-1.0-bbbbbbbb', 'tokens-1.0-cccccccc'];

  it.each([
    ['all', ids],
    ['users', ['users-1.0-aaaaaaaa', 'users-1.0-bbbbbbbb']],
    ['tokens-1.0-cccccccc', ['tokens-1.0-cccccccc']],
    ['nobody', []],
  ])('when the target is %s, then it selects %j', (target, expected) => {
    expect(selectInstances(ids, target)).toEqual(expected);
  });
});
