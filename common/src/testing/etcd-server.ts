import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashable } from './crashable.js';
import { freePort } from './ports.js';

/** A private etcd for tests that must restart or break etcd without touching the shared one. */
export interface PrivateEtcd {
  url: string;
  /** Stops it (SIGKILL: as abrupt as a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same ports; with `wipe`, on an empty data directory. */
  start(options?: { wipe?: boolean }): Promise<void>;
  /** Kills it and removes its data. */
  dispose(): Promise<void>;
}

/** Starts a single-node etcd on free ports with its own data directory. */
export async function startPrivateEtcd(): Promise<PrivateEtcd> {
  const [port, peerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'mf-etcd-'));
  const url = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = crashable(
    () =>
      spawn(
        'etcd',
        [
          '--name=test',
          `--data-dir=${join(dir, 'data')}`,
          `--listen-client-urls=${url}`,
          `--advertise-client-urls=${url}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=test=${peer}`,
          '--log-level=error',
        ],
        { stdio: 'ignore' },
      ),
    async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) })).ok,
    'private etcd to answer',
  );
  const { kill } = etcd;
  const start = async ({ wipe = false } = {}) => {
    if (wipe) rmSync(join(dir, 'data'), { recursive: true, force: true });
    await etcd.start();
  };
  await start();
  return {
    url,
    kill,
    start,
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
