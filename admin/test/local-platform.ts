import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { uniquePrefix } from '@microflack/common/testing';
import pg from 'pg';
import { startTestBalancer, type TestBalancer } from '@microflack/haproxy/testing';
import { z } from 'zod';

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
  ) {}

  static async start(): Promise<LocalPlatform> {
    const prefix = uniquePrefix();
    const state = mkdtempSync(join(tmpdir(), 'mf-admin-'));
    const balancer = await startTestBalancer({ etcdUrl: ['http://127.0.0.1:12379'], prefix });
    symlinkSync(balancer.paths.dir, join(state, 'haproxy'));
    const databasePrefix = `${prefix.replace(/\W/g, '').replace('mftest', 'mftest_')}_`;
    const env = {
      ...process.env,
      MF_ETCD_PREFIX: prefix,
      MF_STATE_DIR: state,
      MF_BALANCER_PORT: new URL(balancer.url).port,
      MF_DATABASE_PREFIX: databasePrefix,
    };
    return new LocalPlatform(state, balancer, env, databasePrefix);
  }

  /** Runs `admin/<command> ...args`; rejects (with code, stdout, stderr) on a non-zero exit. */
  run(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
    const file = fileURLToPath(new URL(`../${command}`, import.meta.url));
    return run(file, args, { env: this.env });
  }

  /** `mfps --json` of one service. */
  async ps(service: string): Promise<z.infer<typeof psRow>[]> {
    const { stdout } = await this.run('mfps', [service, '--json']);
    return z.array(psRow).parse(JSON.parse(stdout));
  }

  /** The command line of an instance's process, from its supervisor's state file. */
  commandLine(id: string): string {
    const stateFile = join(this.state, 'run', 'instances', `${id}.state.json`);
    const pid = Number((JSON.parse(readFileSync(stateFile, 'utf8')) as { pid?: unknown }).pid);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  }

  /** Stops every instance, the balancer, and drops the databases and the state directory. */
  async stop(): Promise<void> {
    await this.run('mfkill', ['all']);
    await this.balancer.stop();
    const admin = new pg.Client({
      connectionString: 'postgres://postgres@127.0.0.1:15432/postgres',
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
  }
}
