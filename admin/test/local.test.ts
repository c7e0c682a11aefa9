import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET_KEY, uniquePrefix } from '@microflack/common/testing';
import { dropLocalEtcdAccess, grantLocalEtcdAccess } from '../src/infra/etcd-access.js';
import { balancerStatus, parseServerStatuses } from '../src/local/balancer-state.js';
import { etcdAuthOn, localSettings } from '../src/settings.js';
import { formatTable, uptime } from '../src/local/table.js';

const admin = (command: string) => fileURLToPath(new URL(`../${command}`, import.meta.url));
const run = promisify(execFile);

describe('load balancer state', () => {
  it.each([
    ['UP', 'UP'],
    ['UP 1/2', 'UP'],
    ['DOWN', 'DOWN'],
    ['DOWN 1/2', 'DOWN'],
    ['NOLB', 'DRAIN'],
    ['DRAIN', 'DRAIN'],
    ['MAINT', 'MAINT'],
    ['MAINT (resolution)', 'MAINT'],
    [undefined, 'ABSENT'],
  ])('when HAProxy says %j, then mfps shows %s', (status, expected) => {
    expect(balancerStatus(status)).toBe(expected);
  });

  it('when show stat lists frontends, backends and servers, then only servers are kept', () => {
    const csv = [
      '# pxname,svname,qcur,status,weight',
      'http,FRONTEND,,OPEN,',
      'users,users-1.0-aaaaaaaa,0,UP,1',
      'users,users-1.0-bbbbbbbb,0,DOWN 1/2,1',
      'users,BACKEND,0,UP,2',
      '',
    ].join('\n');

    expect(parseServerStatuses(csv)).toEqual(
      new Map([
        ['users-1.0-aaaaaaaa', 'UP'],
        ['users-1.0-bbbbbbbb', 'DOWN 1/2'],
      ]),
    );
  });
});

describe('table output', () => {
  it('when rows differ in width, then columns line up under the header', () => {
    expect(
      formatTable(
        ['A', 'LONGER'],
        [
          ['wide cell', 'x'],
          ['y', 'z'],
        ],
      ),
    ).toBe(['A          LONGER', 'wide cell  x', 'y          z'].join('\n'));
  });

  it.each([
    [0, '0s'],
    [42_000, '42s'],
    [423_000, '7m03s'],
    [7_500_000, '2h05m'],
    [273_600_000, '3d04h'],
  ])('when up for %d ms, then uptime reads %s', (ms, expected) => {
    expect(uptime(ms)).toBe(expected);
  });
});

describe('mfrun, mfps, mfkill', () => {
  it(
    'when an instance is run, listed and stopped, then it registers, shows up and leaves',
    { timeout: 90_000 },
    async () => {
      const prefix = uniquePrefix();
      const env = { ...process.env, MF_ETCD_PREFIX: prefix, JWT_SECRET_KEY: TEST_JWT_SECRET_KEY };
      // With authentication on, tokens' etcd user needs its role under this test's prefix.
      const shared = localSettings();
      if (etcdAuthOn(shared)) await grantLocalEtcdAccess(shared, prefix);

      const started = await run(admin('mfrun'), ['tokens'], { env });
      const id = /registered (tokens-\S+)/.exec(started.stdout)?.[1] ?? '';
      const listed = await run(admin('mfps'), ['tokens'], { env });
      await run(admin('mfkill'), [id], { env });
      const after = await run(admin('mfps'), [], { env });
      if (etcdAuthOn(shared)) await dropLocalEtcdAccess(shared, prefix);

      expect(id).toMatch(/^tokens-[\w.-]+-[0-9a-f]{8}$/);
      expect(listed.stdout).toMatch(
        new RegExp(`^${id}\\s+tokens\\s+\\S+\\s+127\\.0\\.0\\.1:\\d+\\s+ABSENT`, 'm'),
      );
      expect(after.stdout).not.toContain(id);
    },
  );

  it('when the service is unknown, then mfrun fails with one error line', async () => {
    await expect(run(admin('mfrun'), ['nosuch'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: unknown service "nosuch"/) as unknown,
    });
  });
});
