import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, connectEtcd } from '@microflack/common';
import { spawnInstance, testConfig, type SpawnedInstance } from '@microflack/common/testing';

const fixture = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));
const config = testConfig(baseEnv);
let instance: SpawnedInstance | undefined;

afterAll(async () => {
  if (instance?.child.exitCode === null) instance.child.kill('SIGKILL');
  const etcd = connectEtcd(config);
  await etcd.delete().prefix(config.MF_ETCD_PREFIX);
  etcd.close();
});

describe('runService', () => {
  it('when a promise rejects with nobody to handle it, then the process logs it, counts it and keeps serving', async () => {
    instance = await spawnInstance({
      main: fixture,
      service: 'fixture',
      config,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    const base = `http://${instance.address}`;

    const triggered = await fetch(`${base}/api/fixture/unhandled`, { method: 'POST' });
    await expect
      .poll(async () => (await fetch(`${base}/metrics`)).text())
      .toMatch(/process_unexpected_errors_total\{[^}]*kind="unhandled_rejection"[^}]*\} 1/);
    const after = await fetch(`${base}/api/fixture`);

    expect(triggered.status).toBe(202);
    expect(after.status).toBe(200);
    expect(instance.child.exitCode).toBeNull();
  });
});
