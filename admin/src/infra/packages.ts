import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { currentEnv } from '../settings.js';

/** A Debian package the local platform needs, and the file that shows it is installed. */
export interface Requirement {
  package: string;
  present: () => boolean;
}

const onPath = (binary: string) => () =>
  (currentEnv()['PATH'] ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(`${dir}/${binary}`));

/** The PostgreSQL server's bin directory (the newest installed major version), if any. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(`${base}/${name}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `${base}/${versions[0]}/bin`;
}

/** Every Debian package the local infrastructure runs on (SPEC §2). */
export const REQUIREMENTS: readonly Requirement[] = [
  { package: 'etcd-server', present: onPath('etcd') },
  { package: 'etcd-client', present: onPath('etcdctl') },
  { package: 'haproxy', present: onPath('haproxy') },
  { package: 'redis-server', present: onPath('redis-server') },
  { package: 'postgresql', present: () => postgresBinDir() !== undefined },
];

/** The packages of `requirements` that are missing. Pure apart from the probes it is given. */
export function missingPackages(requirements: readonly Requirement[]): string[] {
  return requirements.filter((requirement) => !requirement.present()).map((r) => r.package);
}

/**
 * Installs missing packages with apt-get when running as root; otherwise throws with the exact
 * command to run.
 */
export function ensurePackages(requirements: readonly Requirement[] = REQUIREMENTS): void {
  const missing = missingPackages(requirements);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages; run as root: ${command}`);
  }
  console.log(`installing ${missing.join(' ')} with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...currentEnv(), DEBIAN_FRONTEND: 'noninteractive' },
  });
}
