// The testing door of @microflack/admin: a private local platform driven by the admin commands,
// for tests and the benchmark; never imported by the commands themselves.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { currentEnv } from '@microflack/common';
import { TEST_JWT_SECRET_KEY, uniquePrefix } from '@microflack/common/testing';
import pg from 'pg';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { z } from 'zod';
import { grantLocalDatabaseAccess } from './infra/database-access.js';
import { dropLocalEtcdAccess, grantLocalEtcdAccess } from './infra/etcd-access.js';
import { etcdEndpoints } from './infra/etcd-members.js';
import { databaseAuthOn, etcdAuthOn, localSettings } from './settings.js';

const run = promisify(execFile);

/** One line of `mfps --json`. */
export const psRow = z.object({
  instance: z.string(),
  service: z.string(),
  version: z.string(),
  address: z.string(),
  balancer: z.string(),
  restarts: z.union([z.number(), z.string()]),
  lastExit: z.string(),
});

/**
 * A local platform of the admin commands for one test file: its own state directory (releases,
 * pid files, logs), etcd prefix, databases (`MF_DATABASE_PREFIX`) and HAProxy with its watcher,
 * whose directory is the state directory's `haproxy/`, as `mfinfra` lays it out.
 */
export class LocalPlatform {
  private constructor(
    readonly state: string,
    readonly balancer: TestBalancer,
    readonly env: Record<string, string | undefined>,
    private readonly databasePrefix: string,
    private readonly prefix: string,
  ) {}

  static async start(): Promise<LocalPlatform> {
    const prefix = uniquePrefix();
    const state = mkdtempSync(join(tmpdir(), 'mf-admin-'));
    // On an infrastructure with authentication, the services' etcd users get roles under the
    // platform's prefix, as `mfinfra up` gives them under the local platform's.
    const shared = localSettings();
    if (etcdAuthOn(shared)) await grantLocalEtcdAccess(shared, prefix);
    const balancer = await startTestBalancer({ etcdUrl: etcdEndpoints(shared), prefix });
    symlinkSync(balancer.paths.dir, join(state, 'haproxy'));
    const databasePrefix = `${prefix.replace(/\W/g, '').replace('mftest', 'mftest_')}_`;
    // With the roles' passwords on, the roles cannot create databases: they get theirs, as
    // `mfinfra up` gives them the local platform's.
    if (databaseAuthOn(shared)) await grantLocalDatabaseAccess(shared, databasePrefix);
    const env = {
      ...currentEnv(),
      MF_ETCD_PREFIX: prefix,
      MF_STATE_DIR: state,
      MF_BALANCER_PORT: new URL(balancer.url).port,
      MF_DATABASE_PREFIX: databasePrefix,
      JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
      // Every client of a test is the one loopback address: the limits are raised as in tests.
      MF_RATE_LIMIT_SCALE: '1000',
    };
    return new LocalPlatform(state, balancer, env, databasePrefix, prefix);
  }

  /**
   * Runs `admin/<command> ...args`, with `env` over the platform's environment; rejects (with
   * code, stdout, stderr) on a non-zero exit.
   */
  run(
    command: string,
    args: readonly string[],
    env: Record<string, string> = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const file = fileURLToPath(new URL(`../${command}`, import.meta.url)); // from admin/dist/
    return run(file, args, { env: { ...this.env, ...env } });
  }

  /** `mfps --json` of one service. */
  async ps(service: string): Promise<z.infer<typeof psRow>[]> {
    const { stdout } = await this.run('mfps', [service, '--json']);
    return z.array(psRow).parse(JSON.parse(stdout));
  }

  /** The pid of an instance's process (not its supervisor's), from its supervisor's state file. */
  pid(id: string): number {
    const state = readFileSync(join(this.state, 'run', 'instances', `${id}.state.json`), 'utf8');
    return Number((JSON.parse(state) as { pid?: unknown }).pid);
  }

  /** The command line of an instance's process. */
  commandLine(id: string): string {
    return readFileSync(`/proc/${this.pid(id)}/cmdline`, 'utf8').replaceAll('\0', ' ');
  }

  /** The log file of an instance. */
  logFile(id: string): string {
    return join(this.state, 'logs', `${id}.log`);
  }

  /** Stops every instance, the balancer, and drops the databases and the state directory. */
  async stop(): Promise<void> {
    await this.run('mfkill', ['all']);
    await this.balancer.stop();
    const shared = localSettings();
    const admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${shared.MF_PG_PORT}/postgres`,
    });
    await admin.connect();
    try {
      for (const name of ['users', 'messages']) {
        const database = pg.escapeIdentifier(`${this.databasePrefix}${name}`);
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    } finally {
      await admin.end();
    }
    rmSync(this.state, { recursive: true, force: true });
    if (etcdAuthOn(shared)) await dropLocalEtcdAccess(shared, this.prefix);
  }
}
