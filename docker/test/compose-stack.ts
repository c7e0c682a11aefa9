import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, TEST_JWT_SECRET_KEY } from '@microflack/common/testing';
import { run, type RunResult } from './run.js';

/** The platform as a compose project of its own, published on free ports of 127.0.0.1. */
export class ComposeStack {
  private constructor(
    private readonly root: string,
    private readonly envFile: string,
    private readonly dockerHost: string,
    /** The variables of the env file, which the admin commands are given too. */
    private readonly variables: Record<string, string>,
    readonly project: string,
    /** The load balancer, e.g. `http://127.0.0.1:40123`. */
    readonly url: string,
    /** HAProxy's stats page, with its credentials. */
    readonly stats: { url: string; auth: string },
  ) {}

  /**
   * Writes the project's env file: its own name (also the swarm stack's), ports and stats
   * credentials, and the images to run.
   */
  static async create(
    root: string,
    stateDir: string,
    dockerHost: string,
    images: Record<string, string>,
  ): Promise<ComposeStack> {
    const project = `mftest${randomBytes(3).toString('hex')}`;
    const [balancerPort, statsPort] = [await freePort(), await freePort()];
    const auth = `admin:${randomBytes(6).toString('hex')}`;
    const envFile = join(stateDir, `${project}.env`);
    const variables = {
      COMPOSE_PROJECT_NAME: project,
      MF_BALANCER_PORT: String(balancerPort),
      MF_STATS_PORT: String(statsPort),
      MF_ETCD_PORT: String(await freePort()),
      HAPROXY_STATS_AUTH: auth,
      BCRYPT_COST: '4',
      JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
      // Every client of the test is one address: the limits are raised as in every test.
      MF_RATE_LIMIT_SCALE: '1000',
      MF_STACK_NAME: project,
      ...images,
    };
    const lines = Object.entries(variables).map(([name, value]) => `${name}=${value}`);
    await writeFile(envFile, `${lines.join('\n')}\n`);
    const stats = { url: `http://127.0.0.1:${statsPort}`, auth };
    return new ComposeStack(
      root,
      envFile,
      dockerHost,
      variables,
      project,
      `http://127.0.0.1:${balancerPort}`,
      stats,
    );
  }

  /** Runs `docker-compose` (v1.29 works, so does v2's `docker compose`) on this project. */
  compose(...args: string[]): Promise<RunResult> {
    const file = join(this.root, 'compose.yaml');
    return run('docker-compose', ['--env-file', this.envFile, '-f', file, ...args], {
      env: { DOCKER_HOST: this.dockerHost },
      cwd: this.root,
      timeoutMs: 600_000,
    });
  }

  /** Runs an admin command (`mfrun`, `mfps`, …) on this project with the docker runtime. */
  admin(command: string, ...args: string[]): Promise<RunResult> {
    return this.adminOn('docker', command, ...args);
  }

  /** Runs an admin command on this project's compose containers or swarm stack. */
  adminOn(runtime: 'docker' | 'swarm', command: string, ...args: string[]): Promise<RunResult> {
    return run(join(this.root, 'admin', command), args, {
      env: { ...this.variables, DOCKER_HOST: this.dockerHost, MF_RUNTIME: runtime },
      timeoutMs: 600_000,
    });
  }

  /**
   * Tags the messages image `next` and rolls messages to it with `mfupgrade` on `runtime`
   * (a generous timeout: a busy two-core machine may take minutes to start a container).
   */
  async rollMessagesToNext(runtime: 'docker' | 'swarm'): Promise<RunResult> {
    await this.docker('tag', 'microflack/messages:latest', 'microflack/messages:next');
    return this.adminOn(
      runtime,
      'mfupgrade',
      'roll',
      'messages',
      '--tag',
      'next',
      '--timeout',
      '300',
    );
  }

  /** `admin/mfstack` with this project's env file. */
  mfstack(...args: string[]): Promise<RunResult> {
    return run(join(this.root, 'admin', 'mfstack'), [...args, '--env-file', this.envFile], {
      env: { DOCKER_HOST: this.dockerHost },
      timeoutMs: 900_000,
    });
  }

  /** Runs `docker` on the engine of this project. */
  docker(...args: string[]): Promise<RunResult> {
    return run('docker', args, { env: { DOCKER_HOST: this.dockerHost }, timeoutMs: 120_000 });
  }

  /** Removes the project's env file (after `down`). */
  async remove(): Promise<void> {
    await rm(this.envFile, { force: true });
  }

  /**
   * What the project (or, for `stack`, the swarm stack) left on the engine: containers,
   * networks and volumes (none after down), and services on swarm.
   */
  async leftovers(of: 'compose' | 'stack' = 'compose'): Promise<string[]> {
    const key = of === 'compose' ? 'com.docker.compose.project' : 'com.docker.stack.namespace';
    const label = `label=${key}=${this.project}`;
    const listings = await Promise.all(
      [
        ['ps', '-a', '-q', '--filter', label],
        ['network', 'ls', '-q', '--filter', label],
        ['volume', 'ls', '-q', '--filter', label],
        ...(of === 'stack' ? [['service', 'ls', '-q', '--filter', label]] : []),
      ].map((args) => this.docker(...args)),
    );
    return listings.flatMap(({ stdout }) => stdout.split('\n').filter(Boolean));
  }
}
