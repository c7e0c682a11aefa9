import { describe, expect, it } from 'vitest';
import {
  nextServerStates,
  parseProcessTable,
  parseRegistry,
  parseServerStates,
} from '@microflack/haproxy';
import { TEST_CATALOG } from '@microflack/haproxy/testing';
import { configEntry, instanceEntry, PREFIX } from './fixtures.js';

// Answers captured from HAProxy 2.6.12's master CLI.
const SHOW_PROC = `#<PID>          <type>          <reloads>       <uptime>        <version>
9131            master          5 [failed: 1]   0d00h10m35s     2.6.12-1+deb12u4
# workers
18342           worker          0               0d00h00m08s     2.6.12-1+deb12u4
# old workers
18300           worker          1               0d00h00m20s     2.6.12-1+deb12u4
18290           worker          2               0d00h00m30s     2.6.12-1+deb12u4
# programs

`;

const SHOW_SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
2 users 1 users-0.1.0-aaaa0001 127.0.0.1 2 0 1 1 0 15 3 2 6 0 0 0 - 40011 - 0 0 - - 0
2 users 2 users-0.1.0-aaaa0002 127.0.0.1 0 0 1 1 6 8 2 0 6 0 0 0 - 40012 - 0 0 - - 0
2 users 3 users-0.1.0-aaaa0003 127.0.0.1 2 1 1 1 104 15 3 2 6 0 0 0 - 40013 - 0 0 - - 0
2 users 4 users-0.1.0-aaaa0004 127.0.0.1 2 8 1 1 104 15 3 2 6 0 0 0 - 40014 - 0 0 - - 0
`;

describe('parseProcessTable', () => {
  it('when the master lists current and old workers, then each lands in its place', () => {
    expect(parseProcessTable(SHOW_PROC)).toEqual({
      masterPid: 9131,
      reloads: 5,
      failedReloads: 1,
      workers: [18342],
      oldWorkers: [18300, 18290],
    });
  });

  it('when the answer is not a process table, then it throws', () => {
    expect(() => parseProcessTable('Unknown command.\n')).toThrow(/show proc/);
  });
});

describe('parseServerStates', () => {
  it('when servers are up, down, in maintenance and draining, then each state is read', () => {
    expect(parseServerStates(SHOW_SERVERS_STATE)).toEqual([
      {
        backend: 'users',
        server: 'users-0.1.0-aaaa0001',
        address: '127.0.0.1:40011',
        state: 'UP',
        admin: 'READY',
      },
      {
        backend: 'users',
        server: 'users-0.1.0-aaaa0002',
        address: '127.0.0.1:40012',
        state: 'DOWN',
        admin: 'READY',
      },
      {
        backend: 'users',
        server: 'users-0.1.0-aaaa0003',
        address: '127.0.0.1:40013',
        state: 'UP',
        admin: 'MAINT',
      },
      {
        backend: 'users',
        server: 'users-0.1.0-aaaa0004',
        address: '127.0.0.1:40014',
        state: 'UP',
        admin: 'DRAIN',
      },
    ]);
  });

  it('when no server exists, then the list is empty', () => {
    expect(parseServerStates('1\n# be_id be_name\n')).toEqual([]);
  });
});

describe('nextServerStates', () => {
  const snapshot = parseRegistry(
    PREFIX,
    '1',
    [
      configEntry('users', {}),
      instanceEntry('users', 'aaaa0001', '127.0.0.1:40011'),
      instanceEntry('users', 'aaaa0002', '127.0.0.1:40012'),
      instanceEntry('users', 'aaaa0009', '[::1]:40019'),
    ],
    TEST_CATALOG,
  );

  it('when instances are new to HAProxy, then they are added DOWN and the known ones keep their state', () => {
    const next = parseServerStates(nextServerStates(SHOW_SERVERS_STATE, snapshot));

    expect(next.filter((s) => s.server.endsWith('0002'))).toEqual([
      expect.objectContaining({ state: 'DOWN', address: '127.0.0.1:40012' }),
    ]);
    expect(next.find((s) => s.server.endsWith('0001'))).toMatchObject({ state: 'UP' });
    expect(next.find((s) => s.server.endsWith('0009'))).toEqual({
      backend: 'users',
      server: 'users-0.1.0-aaaa0009',
      address: '-:40019',
      state: 'DOWN',
      admin: 'READY',
    });
  });

  it('when HAProxy knows no server yet, then the file gets its header and every instance DOWN', () => {
    const text = nextServerStates('', snapshot);

    expect(text.startsWith('1\n# be_id be_name srv_id srv_name srv_addr')).toBe(true);
    expect(parseServerStates(text).map((s) => s.state)).toEqual(['DOWN', 'DOWN', 'DOWN']);
  });
});
