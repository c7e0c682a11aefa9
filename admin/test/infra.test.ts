import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { etcdArgs, redisArgs } from '../src/infra/components.js';
import { missingPackages } from '../src/infra/packages.js';
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

  it('when redis is planned, then it binds loopback and persists nothing', () => {
    const args = redisArgs('/dir', 16379, '/run/redis.pid', '/logs/redis.log');

    expect(args.join(' ')).toBe(
      '--port 16379 --bind 127.0.0.1 --daemonize yes --save  --appendonly no --dir /dir --pidfile /run/redis.pid --logfile /logs/redis.log',
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

describe('mfinfra', () => {
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
