import { readdirSync, readFileSync } from 'node:fs';
import { waitUntil } from '@microflack/common';
import type { FaultPlatform } from './platform.js';

/** When a fault's dependency went away and when it was back (ms since the epoch). */
export interface FaultWindow {
  downAt: number;
  backAt: number;
  /** Instance ids the fault SIGKILLed itself, or `haproxy` (their supervisors restart them). */
  killed: string[];
}

/** One fault of the suite. */
export interface Fault {
  name: string;
  /** Whether requests may fail while it lasts: false where the platform promises no failure. */
  mayFail: boolean;
  /** Whether Socket.IO clients may be disconnected: only when their instance or HAProxy dies. */
  disconnects: boolean;
  /** How long the dependency stays away (0: restarted at once). */
  holdMs?: number;
  /** Breaks the platform; `away` runs while the dependency is gone (the checks of an outage). */
  inject(platform: FaultPlatform, away: () => Promise<void>): Promise<FaultWindow>;
}

/** How long the registry stays away in the "etcd stopped" fault. */
export const ETCD_OUTAGE_MS = 60_000;

const window = (downAt: number, extra: Partial<FaultWindow> = {}): FaultWindow => ({
  downAt,
  backAt: Date.now(),
  killed: [],
  ...extra,
});

/** SIGKILLs the first instance of `service` and waits until its supervisor has it UP again. */
function killInstance(service: string): Fault {
  return {
    name: `SIGKILL a ${service} instance`,
    mayFail: true,
    disconnects: service === 'socketio',
    async inject(platform) {
      const rows = await platform.ps();
      const victim = rows.find((row) => row.service === service);
      if (!victim) throw new Error(`no ${service} instance`);
      const restarts = Number(victim.restarts);
      const downAt = Date.now();
      await platform.admin('mfkill', [victim.instance, '--force']);
      await waitUntil(
        async () =>
          (await platform.ps()).some(
            (row) =>
              row.instance === victim.instance &&
              Number(row.restarts) === restarts + 1 &&
              row.balancer === 'UP',
          ),
        { what: `${victim.instance} UP again`, timeoutMs: 60_000 },
      );
      return window(downAt, { killed: [victim.instance] });
    },
  };
}

/** Stops an infrastructure component, runs `away` while it is gone, starts it again. */
function restart(
  name: string,
  label: string,
  { mayFail, wipe = false, holdMs = 0 }: { mayFail: boolean; wipe?: boolean; holdMs?: number },
): Fault {
  return {
    name: label,
    mayFail,
    disconnects: false,
    holdMs,
    async inject(platform, away) {
      const component = platform.component(name);
      const downAt = Date.now();
      if (wipe) for (const member of platform.etcdMembers()) await member.wipe();
      else await component.stop();
      await away();
      await component.start();
      return window(downAt);
    },
  };
}

/** Compacts the registry's history up to its current revision (watches from before are cancelled). */
const compactEtcd: Fault = {
  name: 'compact etcd',
  mayFail: false,
  disconnects: false,
  async inject(platform) {
    const etcd = platform.connectEtcd(platform.etcdMembers().map((member) => member.url));
    try {
      const downAt = Date.now();
      const { header } = await etcd.get('/compaction-probe').exec();
      await etcd.kv.compact({ revision: header.revision, physical: true });
      return window(downAt);
    } finally {
      etcd.close();
    }
  },
};

/** The pids of the children of `parent` (from /proc). */
function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // The parent pid is the 4th field, after the command in parentheses.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * SIGKILLs HAProxy's worker. HAProxy's master exits with its last worker; what should happen is
 * that its supervisor starts it again, serving the configuration the watcher kept in step.
 */
const killHaproxyWorker: Fault = {
  name: "kill the HAProxy master's worker",
  mayFail: true,
  disconnects: true,
  async inject(platform) {
    const master = platform.pids().haproxy;
    if (master === undefined) throw new Error('HAProxy is not running');
    const restarts = platform.restarts().haproxy;
    const workers = childrenOf(master);
    const downAt = Date.now();
    for (const worker of workers) process.kill(worker, 'SIGKILL');
    const haproxy = platform.component('haproxy');
    await waitUntil(
      async () => platform.restarts().haproxy > restarts && (await haproxy.answers()),
      {
        what: 'HAProxy started again by its supervisor and serving',
        timeoutMs: 30_000,
      },
    );
    return window(downAt, { killed: ['haproxy'] });
  },
};

/** SIGKILLs the registry cluster's leader, then starts it again with its data. */
const killEtcdLeader: Fault = {
  name: 'kill the etcd leader (3 members)',
  mayFail: false,
  disconnects: false,
  async inject(platform) {
    const members = platform.etcdMembers();
    const statuses = await Promise.all(
      members.map(async (member) => {
        const etcd = platform.connectEtcd([member.url]);
        try {
          const status = await etcd.maintenance.status();
          return status.leader === status.header.member_id;
        } finally {
          etcd.close();
        }
      }),
    );
    const leader = members[statuses.indexOf(true)];
    const pid = leader?.pid();
    if (!leader || pid === undefined) throw new Error('no etcd leader found');
    const downAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitUntil(
      async () =>
        (await Promise.all(members.filter((m) => m !== leader).map((m) => m.answers()))).every(
          Boolean,
        ),
      {
        what: 'a new etcd leader',
        timeoutMs: 30_000,
      },
    );
    await leader.start();
    return window(downAt);
  },
};

/** The faults of a platform with a single-member registry, in order. */
export const SINGLE_ETCD_FAULTS: readonly Fault[] = [
  ...['users', 'tokens', 'messages', 'socketio', 'ui'].map(killInstance),
  restart('redis', 'restart Redis', { mayFail: true }),
  restart('postgresql', 'restart PostgreSQL', { mayFail: true }),
  restart('etcd', 'restart etcd (data kept)', { mayFail: false }),
  restart('etcd', 'restart etcd (data wiped)', { mayFail: false, wipe: true }),
  compactEtcd,
  restart('etcd', `stop etcd for ${ETCD_OUTAGE_MS / 1000} s`, {
    mayFail: false,
    holdMs: ETCD_OUTAGE_MS,
  }),
  killHaproxyWorker,
];

/** The faults of a platform whose registry is a three-member cluster. */
export const CLUSTER_FAULTS: readonly Fault[] = [killEtcdLeader];
