import { readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { portOf } from '@microflack/common/testing';
import { routedTo } from './http.js';
import { useStandInPlatform } from './stand-in-platform.js';

const { balancer, standIn } = useStandInPlatform();
let statsBase: string;

beforeAll(async () => {
  statsBase = new URL(balancer().statsUrl).origin;
  // A new service: a reload, which writes haproxy.cfg and the server-state file.
  const guarded = await standIn('guarded');
  await routedTo(`${balancer().url}/api/guarded`, portOf(guarded), 10_000);
  await balancer().watcher.settled();
});

const basic = (auth: string) => ({
  authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
});

describe('the stats port', () => {
  it.each([
    ['/metrics', {}],
    ['/stats', {}],
    ['/metrics', basic('admin:wrong-password')],
    ['/stats', basic('admin:wrong-password')],
  ])(
    'when %s is asked without the stats credentials, then it answers 401',
    async (path, headers) => {
      const response = await fetch(`${statsBase}${path}`, { headers });

      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('haproxy_');
    },
  );

  it('when /metrics is asked with the stats credentials, then Prometheus metrics come back', async () => {
    const response = await fetch(`${statsBase}/metrics`, { headers: basic(balancer().statsAuth) });

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('haproxy_process_');
  });

  it('when a supervisor asks /healthz, then it answers without credentials', async () => {
    expect((await fetch(`${statsBase}/healthz`)).status).toBe(200);
  });
});

describe('files and privileges', () => {
  it('when HAProxy was reloaded, then its config (the stats password) and server states are readable by their owner only', () => {
    const { config: configFile, state, dir } = balancer().paths;

    expect(readFileSync(configFile, 'utf8')).toContain(balancer().statsAuth.split(':')[1]);
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o066).toBe(0);
  });

  it.runIf(process.getuid?.() === 0)(
    'when HAProxy is started as root, then its workers run as the configured user',
    async () => {
      const { workers } = await balancer().master.processes();
      const uids = workers.map(
        (pid) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1],
      );

      expect(uids.length).toBeGreaterThan(0);
      expect(uids).not.toContain('0');
    },
  );
});
