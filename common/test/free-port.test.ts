import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '@microflack/common/registry';

const sourcePortsFrom = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
);

async function listen(port: number) {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('freePort', () => {
  it('when ports are picked, then none is a source port the kernel could hand a dial', async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));

    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(sourcePortsFrom);
    }
  });

  it('when a run of ports is asked for, then every port of the run can be listened on', async () => {
    const first = await freePort(6);
    const servers = await Promise.all(Array.from({ length: 6 }, (_, n) => listen(first + n)));

    expect(servers).toHaveLength(6);
    expect(first + 5).toBeLessThan(sourcePortsFrom);
    for (const server of servers) server.close();
  });
});
