import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  components,
  etcdLogin,
  etcdMemberProcesses,
  livePid,
  localEnv,
  statePaths,
  type Component,
  type EtcdMemberProcess,
  type LocalSettings,
} from '@microflack/admin/infra';
import { connectEtcd, currentEnv, loadConfig, type Etcd3 } from '@microflack/common';
import { freePort, TEST_JWT_SECRET_KEY } from '@microflack/common/testing';
import { z } from 'zod';

const run = promisify(execFile);
const ADMIN = fileURLToPath(new URL('../../admin/', import.meta.url));

/** One line of `mfps --json`. */
const psRow = z.object({
  instance: z.string(),
  service: z.string(),
  address: z.string(),
  balancer: z.string(),
  restarts: z.union([z.number(), z.string()]),
  lastExit: z.string(),
});
export type PsRow = z.infer<typeof psRow>;

/** A supervisor's state file: the pid of its program while it runs, and its restarts. */
const supervisorState = z.object({ pid: z.number().optional(), restarts: z.number().optional() });

/** The instances the suite runs: two of each service the load goes through. */
export const SERVICES: Readonly<Record<string, number>> = {
  users: 2,
  tokens: 2,
  messages: 2,
  socketio: 2,
  ui: 1,
};

/**
 * A whole local platform of its own — etcd (one member or a cluster), PostgreSQL, Redis, HAProxy
 * and its watcher on free ports, instances under supervisors — in a state directory of its own,
 * started and broken through the admin commands and `@microflack/admin/infra`.
 */
export class FaultPlatform {
  private constructor(
    readonly settings: LocalSettings,
    readonly env: Record<string, string | undefined>,
  ) {}

  /** Lays the platform out on free ports; `releases` shares built releases with another one. */
  static async create(options: { members: number; releases?: string }): Promise<FaultPlatform> {
    const state = mkdtempSync(join(tmpdir(), 'mf-faults-'));
    if (options.releases !== undefined) symlinkSync(options.releases, join(state, 'releases'));
    const etcdPort = await freePort(2 * options.members);
    const overrides = {
      MF_STATE_DIR: state,
      MF_ETCD_MEMBERS: String(options.members),
      MF_ETCD_PORT: String(etcdPort),
      // Member n uses the pairs above the first (docs/operations.md): probed free, not reserved.
      MF_ETCD_PEER_PORT: String(etcdPort + 1),
      MF_PG_PORT: String(await freePort()),
      MF_REDIS_PORT: String(await freePort()),
      MF_BALANCER_PORT: String(await freePort()),
      MF_STATS_PORT: String(await freePort()),
      MF_ETCD_PREFIX: '/microflack',
      MF_DATABASE_PREFIX: '',
      MF_NO_INSTALL: '1',
      LOG_LEVEL: 'info',
      JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
      // Every client of the suite is the one loopback address: the limits are raised as in tests.
      MF_RATE_LIMIT_SCALE: '1000',
    };
    const env = { ...currentEnv(), ...overrides };
    return new FaultPlatform(loadConfig(localEnv, overrides, {}), env);
  }

  get balancerUrl(): string {
    return `http://127.0.0.1:${this.settings.MF_BALANCER_PORT}`;
  }

  get releases(): string {
    return statePaths(this.settings).releases;
  }

  /** Runs `admin/<command> ...args` on this platform. */
  async admin(command: string, args: readonly string[]): Promise<string> {
    const { stdout } = await run(join(ADMIN, command), args, { env: this.env });
    return stdout;
  }

  /** Starts the infrastructure, then every service's instances. */
  async up(): Promise<void> {
    mkdirSync(statePaths(this.settings).logs, { recursive: true });
    await this.admin('mfinfra', ['up']).catch((error: unknown) => {
      const logs = this.logLines(/./).slice(-20).join('\n');
      throw new Error(`mfinfra up failed: ${String(error)}\nlast log lines:\n${logs}`);
    });
    for (const [service, count] of Object.entries(SERVICES))
      await this.admin('mfrun', [service, '--count', String(count)]);
  }

  /** One infrastructure component by name: `etcd`, `postgresql`, `redis`, `haproxy`, `balancer`. */
  component(name: string): Component {
    const found = components(this.settings).find((component) => component.name === name);
    if (!found) throw new Error(`no component ${name}`);
    return found;
  }

  /** A client of this platform's registry at `urls`, as root when it has authentication. */
  connectEtcd(urls: readonly string[]): Etcd3 {
    return connectEtcd({ MF_ETCD_URL: urls, ...etcdLogin(this.settings, 'root') });
  }

  etcdMembers(): EtcdMemberProcess[] {
    return etcdMemberProcesses(this.settings);
  }

  /** `mfps --json`: every instance, its balancer state, restarts and last exit. */
  async ps(): Promise<PsRow[]> {
    return z.array(psRow).parse(JSON.parse(await this.admin('mfps', ['--json'])));
  }

  /** The pid of HAProxy's master and of the watcher (their supervisors record them). */
  pids(): { haproxy?: number | undefined; watcher?: number | undefined } {
    return { haproxy: this.supervisedPid('haproxy'), watcher: this.supervisedPid('balancer') };
  }

  /** Supervisor records: how often HAProxy's master and the watcher were started again. */
  restarts(): { haproxy: number; watcher: number } {
    return {
      haproxy: this.supervisorState('haproxy')?.restarts ?? 0,
      watcher: this.supervisorState('balancer')?.restarts ?? 0,
    };
  }

  /** The pid of the program supervised as `name`, while its supervisor runs it. */
  private supervisedPid(name: string): number | undefined {
    const supervisor = livePid(join(statePaths(this.settings).run, `${name}.pid`));
    return supervisor && this.supervisorState(name)?.pid;
  }

  private supervisorState(name: string): z.infer<typeof supervisorState> | undefined {
    try {
      const state = readFileSync(join(statePaths(this.settings).run, `${name}.state.json`), 'utf8');
      return supervisorState.parse(JSON.parse(state));
    } catch {
      return undefined;
    }
  }

  /** Lines of any log of the platform that match `pattern` (instances, watcher, infrastructure). */
  logLines(pattern: RegExp): string[] {
    return this.logs().flatMap(([file, lines]) =>
      lines.filter((line) => pattern.test(line)).map((line) => `${file}: ${line}`),
    );
  }

  /** The last `count` lines of each log whose file name matches `files`, each led by its file. */
  logTails(files: RegExp, count: number): string[] {
    return this.logs()
      .filter(([file]) => files.test(file))
      .flatMap(([file, lines]) => lines.slice(-count).map((line) => `${file}: ${line}`));
  }

  /** Every log of the platform, as its file name and its lines. */
  private logs(): [string, string[]][] {
    const dir = statePaths(this.settings).logs;
    return readdirSync(dir).map((file) => [
      file,
      readFileSync(join(dir, file), 'utf8').trimEnd().split('\n'),
    ]);
  }

  /** The configuration HAProxy runs (the watcher writes it before every reload). */
  haproxyConfig(): string {
    return readFileSync(join(this.settings.MF_STATE_DIR, 'haproxy', 'haproxy.cfg'), 'utf8');
  }

  /** Stops everything this platform started and removes its state. */
  async down(): Promise<void> {
    await this.admin('mfkill', ['all']).catch(() => undefined);
    await this.admin('mfinfra', ['down']).catch(() => undefined);
    // PostgreSQL's cluster may live outside the state directory (a link to /var/lib/microflack).
    const pg = statePaths(this.settings).pg;
    if (existsSync(pg)) rmSync(realpathSync(pg), { recursive: true, force: true });
    rmSync(this.settings.MF_STATE_DIR, { recursive: true, force: true });
  }
}
