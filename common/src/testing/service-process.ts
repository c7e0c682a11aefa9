import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { z } from 'zod';
import type { BaseConfig } from '../config.js';
import { connectEtcd } from '../etcd.js';
import { registryKeys } from '../registry-keys.js';

/** What {@link spawnInstance} starts. */
export interface SpawnOptions {
  /** The script node runs: a service's `dist/main.js`. */
  main: string;
  /** The service whose registration is awaited. */
  service: string;
  /**
   * Where the process registers: its `MF_ETCD_URL`, credentials and `MF_ETCD_PREFIX` are passed
   * on, and its `JWT_SECRET_KEY` and `REDIS_URL` unless `env` sets them (or sets one empty, to see
   * the process refuse to start).
   */
  config: Pick<
    BaseConfig,
    | 'MF_ETCD_URL'
    | 'MF_ETCD_USER'
    | 'MF_ETCD_PASSWORD'
    | 'MF_ETCD_PREFIX'
    | 'JWT_SECRET_KEY'
    | 'REDIS_URL'
  >;
  /** The rest of the process's environment. */
  env?: Record<string, string | undefined>;
}

/** A service process that registered. */
export interface SpawnedInstance {
  child: ChildProcess;
  /** Its instance id and `host:port`, as registered. */
  id: string;
  address: string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const registered = z.object({ id: z.string(), address: z.string() });

/**
 * Spawns a service process and resolves once it registered in etcd (an event from a watch,
 * not a poll). Rejects, quoting its stderr, when the process exits first.
 */
export async function spawnInstance(options: SpawnOptions): Promise<SpawnedInstance> {
  const { config, service } = options;
  const etcd = connectEtcd(config);
  const watch = await etcd
    .watch()
    .prefix(registryKeys(config.MF_ETCD_PREFIX).instances(service))
    .create();
  try {
    const put = once(watch, 'put') as Promise<[{ value: Buffer }]>;
    const child = spawn(process.execPath, [options.main], {
      env: {
        JWT_SECRET_KEY: config.JWT_SECRET_KEY,
        REDIS_URL: config.REDIS_URL,
        ...options.env,
        MF_ETCD_URL: config.MF_ETCD_URL.join(','),
        MF_ETCD_USER: config.MF_ETCD_USER,
        MF_ETCD_PASSWORD: config.MF_ETCD_PASSWORD,
        MF_ETCD_PREFIX: config.MF_ETCD_PREFIX,
      },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    // Rejects only when the process exits first: Promise.race below handles it either way.
    const died = exited.then((code) => {
      throw new Error(`${service} exited with ${code} before registering: ${stderr.trim()}`);
    });
    const [kv] = await Promise.race([put, died]);
    return { child, exited, ...registered.parse(JSON.parse(kv.value.toString('utf8'))) };
  } finally {
    await watch.cancel();
    etcd.close();
  }
}
