import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { waitUntil } from '@microflack/common';
import { statePaths, type LocalSettings } from '../settings.js';
import { balancer } from './balancer.js';
import { etcd } from './etcd.js';
import type { Component } from './component.js';
import { postgresBinDir } from './packages.js';
import { stopPidFile } from './processes.js';

/** Sends PING to Redis on `port` and resolves whether PONG came back. */
function redisPong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** The redis-server command line: no persistence, daemonized with a pid file. Pure. */
export function redisArgs(dir: string, port: number, pidFile: string, logFile: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--daemonize',
    'yes',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--pidfile',
    pidFile,
    '--logfile',
    logFile,
  ];
}

function redis(settings: LocalSettings): Component {
  const paths = statePaths(settings);
  const pidFile = join(paths.run, 'redis.pid');
  const answers = () => redisPong(settings.MF_REDIS_PORT);
  return {
    name: 'redis',
    address: `127.0.0.1:${settings.MF_REDIS_PORT}`,
    answers,
    async start() {
      mkdirSync(paths.redis, { recursive: true });
      mkdirSync(paths.run, { recursive: true });
      mkdirSync(paths.logs, { recursive: true });
      execFileSync(
        'redis-server',
        redisArgs(paths.redis, settings.MF_REDIS_PORT, pidFile, join(paths.logs, 'redis.log')),
      );
      await waitUntil(answers, { what: 'redis answering' });
    },
    async stop() {
      await stopPidFile(pidFile);
    },
  };
}

const runningAsRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL tool as the `postgres` user when we are root (PostgreSQL refuses root). */
function asPostgres(tool: string, args: readonly string[]): void {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const [command, prefix] = runningAsRoot()
    ? ['runuser', ['-u', 'postgres', '--', join(bin, tool)]]
    : [join(bin, tool), []];
  execFileSync(command, [...prefix, ...args], { stdio: ['ignore', 'ignore', 'inherit'], cwd: '/' });
}

/**
 * The cluster directory. It lives under `.mf/pg`, unless the `postgres` user cannot reach the
 * checkout (a clone under /root): then under /var/lib/microflack, linked from `.mf/pg`. Returns
 * the real path, since PostgreSQL's tools must not walk through the unreachable checkout.
 */
function clusterDir(paths: ReturnType<typeof statePaths>): string {
  if (existsSync(paths.pg)) return realpathSync(paths.pg);
  if (!runningAsRoot()) return paths.pg;
  mkdirSync(paths.state, { recursive: true });
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', paths.state], {
      stdio: 'ignore',
    });
    return paths.pg;
  } catch {
    const hash = createHash('sha256').update(paths.state).digest('hex').slice(0, 12);
    const outside = `/var/lib/microflack/${hash}`;
    rmSync(outside, { recursive: true, force: true });
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, paths.pg);
    return outside;
  }
}

/** Creates an empty cluster in `data`, owned by `postgres` when we are root. */
function initCluster(cluster: string, data: string, socketDir: string): void {
  mkdirSync(data, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  if (runningAsRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const dir of [cluster, data, socketDir]) chownSync(dir, uid, gid);
  }
  asPostgres('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
}

function postgres(settings: LocalSettings): Component {
  const paths = statePaths(settings);
  const answers = () => pgReady(settings.MF_PG_PORT);
  return {
    name: 'postgresql',
    address: `127.0.0.1:${settings.MF_PG_PORT}`,
    answers,
    async start() {
      const cluster = clusterDir(paths);
      const data = join(cluster, 'data');
      const socketDir = join(cluster, 'run');
      if (!existsSync(join(data, 'PG_VERSION'))) initCluster(cluster, data, socketDir);
      const options = `-p ${settings.MF_PG_PORT} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off`;
      asPostgres('pg_ctl', [
        '-D',
        data,
        '-l',
        join(cluster, 'postgresql.log'),
        '-w',
        '-t',
        '60',
        '-o',
        options,
        'start',
      ]);
      await waitUntil(answers, { what: 'postgresql answering' });
    },
    stop() {
      if (!existsSync(paths.pg)) return;
      const data = join(realpathSync(paths.pg), 'data');
      if (existsSync(join(data, 'postmaster.pid')))
        asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}

function pgReady(port: number): Promise<boolean> {
  const bin = postgresBinDir();
  if (!bin) return Promise.resolve(false);
  try {
    execFileSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    return Promise.resolve(true);
  } catch {
    return Promise.resolve(false);
  }
}

/** The infrastructure in start order (stop runs it backwards). */
export function components(settings: LocalSettings): Component[] {
  return [etcd(settings), postgres(settings), redis(settings), ...balancer(settings)];
}
