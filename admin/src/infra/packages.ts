import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { currentEnv } from '@microflack/common';

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

/** Every Debian package the local infrastructure runs on. */
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

/** What `mfinfra up` does about missing packages. */
export type InstallDecision =
  | { action: 'none' }
  | { action: 'install'; packages: string[] }
  | { action: 'refuse'; reason: string };

/**
 * Decides what to do about `missing` packages: install them with apt-get when running as root
 * and installing is allowed, else refuse with one line naming them and how to get them
 * (`MF_NO_INSTALL=1` is how `pnpm test` says it must not install anything). Pure.
 */
export function installDecision(
  missing: readonly string[],
  { root, noInstall }: { root: boolean; noInstall: boolean },
): InstallDecision {
  if (missing.length === 0) return { action: 'none' };
  if (root && !noInstall) return { action: 'install', packages: [...missing] };
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  const how = noInstall
    ? `run ./admin/mfup (it installs them) or, as root: ${command}`
    : `run as root: ${command}`;
  return { action: 'refuse', reason: `missing Debian packages ${missing.join(', ')}; ${how}` };
}

/**
 * Installs missing packages with apt-get when running as root, unless `noInstall`; otherwise
 * throws one line naming them and how to get them.
 */
export function ensurePackages(
  noInstall: boolean,
  requirements: readonly Requirement[] = REQUIREMENTS,
): void {
  const root = process.getuid?.() === 0;
  const decision = installDecision(missingPackages(requirements), { root, noInstall });
  if (decision.action === 'none') return;
  if (decision.action === 'refuse') throw new Error(decision.reason);
  const { packages } = decision;
  console.log(`installing ${packages.join(' ')} with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: 'inherit',
    env: { ...currentEnv(), DEBIAN_FRONTEND: 'noninteractive' },
  });
}
