import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { waitUntil } from '@microflack/common';
import { databaseAuthOn, etcdAuthOn, statePaths, type LocalSettings } from '../settings.js';
import { postgresAccount, runningAsRoot } from './accounts.js';
import { balancer } from './balancer.js';
import { databaseAccess } from './database-access.js';
import { etcd } from './etcd.js';
import { etcdAccess } from './etcd-access.js';
import type { Component } from './component.js';
import { postgresBinDir } from './packages.js';
import { runs, stopPidFile } from './processes.js';

/** `commands` in Redis's protocol (RESP arrays of bulk strings), ready to send. Pure. */
export function redisRequest(commands: readonly (readonly string[])[]): string {
  const bulk = (arg: string) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return commands.map((args) => `*${args.length}\r\n${args.map(bulk).join('')}`).join('');
}

/**
 * Sends `commands` to Redis on `port` and resolves with the first line of each reply (`+PONG`,
 * `-NOAUTH ...`), or with none when Redis does not answer within a second. Every command used
 * here has a one-line reply.
 */
function redisReplies(port: number, commands: readonly (readonly string[])[]): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const done = (replies: string[]) => {
      socket.destroy();
      resolve(replies);
    };
    socket.setTimeout(1000, () => done([]));
    socket.on('error', () => done([]));
    socket.on('connect', () => socket.write(redisRequest(commands)));
    socket.on('data', (data) => {
      received += data.toString();
      const lines = received.split('\r\n').slice(0, -1);
      if (lines.length >= commands.length) done(lines);
    });
  });
}

/**
 * Whether Redis answers as configured: PING with PONG after AUTH with `password`, and refused
 * without it; or, without a password, PONG to anyone.
 */
async function redisAnswers(port: number, password: string | undefined): Promise<boolean> {
  const anonymous = await redisReplies(port, [['PING']]);
  if (password === undefined) return anonymous[0] === '+PONG';
  const [auth, pong] = await redisReplies(port, [['AUTH', password], ['PING']]);
  return anonymous[0]?.startsWith('-NOAUTH') === true && auth === '+OK' && pong === '+PONG';
}

/** The redis-server command line: no persistence, daemonized with a pid file. Pure. */
export function redisArgs(dir: string, port: number, pidFile: string, logFile: string): string[] {
  return [
    '-', // more configuration on stdin: the password, which no command line may show
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
  const port = settings.MF_REDIS_PORT;
  const password = settings.REDIS_PASSWORD;
  const answers = () => redisAnswers(port, password);
  return {
    name: 'redis',
    address: `127.0.0.1:${port}`,
    answers,
    async start() {
      const open = (await redisReplies(port, [['PING']]))[0] === '+PONG';
      if (open && password !== undefined) {
        // Running without a password (started before .env had one): it requires one from now on.
        await redisReplies(port, [['CONFIG', 'SET', 'requirepass', password]]);
      } else {
        mkdirSync(paths.redis, { recursive: true });
        mkdirSync(paths.run, { recursive: true });
        mkdirSync(paths.logs, { recursive: true });
        // The password goes in on stdin (Redis's config read from `-`): never on a command line.
        execFileSync(
          'redis-server',
          redisArgs(paths.redis, port, pidFile, join(paths.logs, 'redis.log')),
          {
            input: password === undefined ? '' : `requirepass ${JSON.stringify(password)}\n`,
            stdio: ['pipe', 'ignore', 'inherit'],
          },
        );
      }
      await waitUntil(answers, { what: 'redis answering' });
    },
    async stop() {
      await stopPidFile(pidFile, { program: 'redis-server' });
    },
  };
}

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
    refuseLiveCluster(outside);
    rmSync(outside, { recursive: true, force: true });
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, paths.pg);
    return outside;
  }
}

/**
 * The pid of the PostgreSQL server running on the cluster in `cluster` (its `data/postmaster.pid`
 * names a live postgres process), or undefined.
 */
export function livePostmaster(cluster: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(cluster, 'data', 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n', 1)[0]);
  return Number.isInteger(pid) && pid > 0 && runs(pid, 'postgres') ? pid : undefined;
}

/** Throws when a PostgreSQL server runs on `cluster`: nothing may delete its files under it. */
export function refuseLiveCluster(cluster: string): void {
  const pid = livePostmaster(cluster);
  if (pid === undefined) return;
  throw new Error(
    `the PostgreSQL cluster in ${cluster} is in use (postgres pid ${pid}) but not linked from ` +
      `this checkout; stop it (pg_ctl -D ${cluster}/data stop) or link it back, then retry`,
  );
}

/** Creates an empty cluster in `data`, owned by `postgres` when we are root. */
function initCluster(cluster: string, data: string, socketDir: string): void {
  mkdirSync(data, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  const owner = postgresAccount();
  if (owner !== undefined)
    for (const dir of [cluster, data, socketDir]) chownSync(dir, owner.uid, owner.gid);
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
  const etcdAuth = etcdAuthOn(settings) ? [etcdAccess(settings)] : [];
  const databaseAuth = databaseAuthOn(settings) ? [databaseAccess(settings)] : [];
  return [
    etcd(settings),
    ...etcdAuth,
    postgres(settings),
    ...databaseAuth,
    redis(settings),
    ...balancer(settings),
  ];
}
