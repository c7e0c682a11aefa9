import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@microflack/common/testing';
import { run } from './run.js';

/** A Docker Engine the test talks to: one that answered, or one it started (and stops). */
export interface Engine {
  /** The `DOCKER_HOST` value, e.g. `unix:///…/docker.sock`. */
  host: string;
  /** Stops the engine if this test started it (by its pid), else does nothing. */
  stop(): Promise<void>;
}

async function answers(host: string): Promise<boolean> {
  const probe = await run('docker', ['version', '--format', '{{.Server.Version}}'], {
    env: { DOCKER_HOST: host },
    timeoutMs: 10_000,
    check: false,
  });
  return probe.code === 0;
}

/**
 * The first engine that answers among `candidates`, else a `dockerd` of our own with its socket,
 * data root and exec root under `stateDir`, and no network of its own (no bridge, no iptables):
 * containers reach each other on the networks compose creates, and us through 127.0.0.1 only.
 * The data root outlives the run, so its images are the next run's cache.
 */
export async function findOrStartEngine(candidates: string[], stateDir: string): Promise<Engine> {
  for (const host of candidates) {
    if (await answers(host)) return { host, stop: () => Promise.resolve() };
  }
  await mkdir(join(stateDir, 'data'), { recursive: true });
  const host = `unix://${join(stateDir, 'docker.sock')}`;
  const log = await open(join(stateDir, 'dockerd.log'), 'a');
  const dockerd = spawn(
    'dockerd',
    [
      ...['-H', host, '--data-root', join(stateDir, 'data'), '--exec-root', join(stateDir, 'exec')],
      ...['--pidfile', join(stateDir, 'dockerd.pid'), '--iptables=false', '--ip-forward=false'],
      ...['--ip-masq=false', '--bridge=none'],
    ],
    {
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
    },
  );
  await log.close();
  const exited = once(dockerd, 'exit');
  await waitFor(() => answers(host), { timeoutMs: 120_000, intervalMs: 500, what: 'dockerd' });
  return { host, stop: () => stopEngine(dockerd, exited, stateDir) };
}

async function stopEngine(dockerd: ChildProcess, exited: Promise<unknown>, stateDir: string) {
  if (dockerd.exitCode === null) dockerd.kill('SIGTERM');
  await exited;
  // dockerd leaves its default network namespace mounted in the exec root.
  const execRoot = join(stateDir, 'exec');
  await run('umount', [join(execRoot, 'netns', 'default')], { check: false });
  await rm(execRoot, { recursive: true, force: true });
}
