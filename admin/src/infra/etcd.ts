import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@microflack/common';
import { statePaths, type LocalSettings } from '../settings.js';
import type { Component } from './component.js';
import { etcdMembers, type EtcdMember } from './etcd-members.js';
import { httpAnswers } from './http-answers.js';
import { livePid, spawnDetached, stopPidFile } from './processes.js';

/** The etcd command line of `member` in a cluster of `cluster` (itself alone by default). Pure. */
export function etcdMemberArgs(
  dataDir: string,
  member: EtcdMember,
  cluster: readonly EtcdMember[] = [member],
): string[] {
  const client = `http://127.0.0.1:${member.port}`;
  const peer = (m: EtcdMember) => `http://127.0.0.1:${m.peerPort}`;
  return [
    `--name=${member.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer(member)}`,
    `--initial-advertise-peer-urls=${peer(member)}`,
    `--initial-cluster=${cluster.map((m) => `${m.name}=${peer(m)}`).join(',')}`,
    '--initial-cluster-state=new',
    '--log-level=warn',
  ];
}

/** The etcd command line for a single-node cluster on the given ports. Pure. */
export function etcdArgs(dataDir: string, port: number, peerPort: number): string[] {
  return etcdMemberArgs(dataDir, { name: 'microflack', port, peerPort });
}

/** One member of the local registry, as a process with its files. */
export interface EtcdMemberProcess extends Component {
  member: EtcdMember;
  url: string;
  dataDir: string;
  /** Its pid while it runs. */
  pid(): number | undefined;
  /** Starts it without waiting for it to answer (a cluster member answers once it has a quorum). */
  spawn(): void;
  /** Stops it and deletes its data: started again, it is a new, empty registry. */
  wipe(): Promise<void>;
}

/** Every member of the local registry (`MF_ETCD_MEMBERS`, docs/operations.md). */
export function etcdMemberProcesses(settings: LocalSettings): EtcdMemberProcess[] {
  const paths = statePaths(settings);
  const cluster = etcdMembers(settings);
  const single = cluster.length === 1;
  return cluster.map((member) => {
    const file = single ? 'etcd' : `etcd-${member.name.split('-').pop() ?? member.name}`;
    const dataDir = single ? paths.etcd : `${paths.etcd}-${file.slice('etcd-'.length)}`;
    const pidFile = join(paths.run, `${file}.pid`);
    const url = `http://127.0.0.1:${member.port}`;
    const answers = () => httpAnswers(`${url}/health`, (body) => body.includes('"health":"true"'));
    const spawn = () => {
      if (livePid(pidFile, 'etcd') !== undefined) return;
      spawnDetached({
        command: 'etcd',
        args: etcdMemberArgs(dataDir, member, cluster),
        logFile: join(paths.logs, `${file}.log`),
        pidFile,
      });
    };
    const stop = async () => {
      await stopPidFile(pidFile, { program: 'etcd' });
    };
    return {
      name: single ? 'etcd' : member.name,
      address: `127.0.0.1:${member.port}`,
      member,
      url,
      dataDir,
      answers,
      pid: () => livePid(pidFile, 'etcd'),
      spawn,
      async start() {
        spawn();
        await waitUntil(answers, { what: `${member.name} answering` });
      },
      stop,
      async wipe() {
        await stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  });
}

/** The registry: one etcd, or a cluster whose members start together (none answers alone). */
export function etcd(settings: LocalSettings): Component {
  const members = etcdMemberProcesses(settings);
  const all = async (check: (m: EtcdMemberProcess) => Promise<boolean>) =>
    (await Promise.all(members.map(check))).every(Boolean);
  const answers = () => all((member) => member.answers());
  return {
    name: 'etcd',
    address: members.map((member) => member.address).join(','),
    answers,
    async start() {
      for (const member of members) member.spawn();
      await waitUntil(answers, { what: 'etcd answering' });
    },
    async stop() {
      for (const member of members) await member.stop();
    },
  };
}
