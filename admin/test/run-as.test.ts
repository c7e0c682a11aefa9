import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '@microflack/admin/testing';
import { account } from '../src/infra/accounts.js';
import { parentOf } from '../src/infra/processes.js';

/** The real uid and gid of process `pid` (`/proc/<pid>/status`). */
function idsOf(pid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { uid: field('Uid'), gid: field('Gid') };
}

const root = process.getuid?.() === 0;
let platform: LocalPlatform;

beforeAll(async () => {
  platform = await LocalPlatform.start();
}, 60_000);

afterAll(() => platform.stop(), 120_000);

describe.runIf(root)('instances started by root', () => {
  it(
    'when mfrun runs as root, then the instance runs as the microflack user, its supervisor as root, and it serves',
    { timeout: 120_000 },
    async () => {
      await platform.run('mfrun', ['tokens']);
      const [row] = await platform.ps('tokens');
      const pid = platform.pid(row?.instance ?? '');

      const microflack = account('microflack');
      expect(microflack).toBeDefined();
      expect(idsOf(pid)).toEqual({ uid: microflack?.uid, gid: microflack?.gid });
      expect(idsOf(parentOf(pid) ?? 0).uid).toBe(0);
      expect((await fetch(`http://${row?.address ?? ''}/healthz`)).status).toBe(200);
    },
  );

  it('when MF_RUN_AS=root, then the instance keeps root', { timeout: 120_000 }, async () => {
    await platform.run('mfrun', ['socketio'], { MF_RUN_AS: 'root' });
    const [row] = await platform.ps('socketio');

    expect(idsOf(platform.pid(row?.instance ?? '')).uid).toBe(0);
  });

  it('when MF_RUN_AS names no user, then mfrun fails naming the variable', async () => {
    await expect(
      platform.run('mfrun', ['users'], { MF_RUN_AS: 'no-such-user-here' }),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/MF_RUN_AS: there is no user/) as unknown,
    });
  });
});
