import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { readDotenv } from '../settings.js';

/** The variable naming the load balancer's certificate and key (docs/operations.md, HTTPS). */
export const CERT_VARIABLE = 'MF_BALANCER_TLS_CERT';

/** Where the local certificate lives in the state directory. */
export function localCertificatePath(stateDir: string): string {
  return join(stateDir, 'tls', 'balancer.pem');
}

/** What {@link ensureLocalCertificate} does. */
export interface CertificatePlan {
  /** A new self-signed certificate is written. */
  generate: boolean;
  /** `MF_BALANCER_TLS_CERT=<path>` goes into `.env`. */
  writeEnv: boolean;
}

/**
 * Decides from what is configured (`.env` or the environment) and whether the local certificate
 * exists: a certificate someone else configured wins and nothing happens; the local one is made
 * once, and made again only when its file is gone.
 */
export function planCertificate(
  configured: string | undefined,
  local: string,
  localExists: boolean,
): CertificatePlan {
  if (configured !== undefined && configured !== local) {
    return { generate: false, writeEnv: false };
  }
  return { generate: !localExists, writeEnv: configured !== local };
}

/**
 * `.env`'s text with `name=value`: an empty assignment of `name` (as copied from .env.example)
 * is filled in; otherwise the line is appended.
 */
export function withVariable(text: string, name: string, value: string): string {
  const empty = new RegExp(`^(export[ \\t]+)?${name}[ \\t]*=[ \\t]*(''|"")?[ \\t]*$`, 'm');
  if (empty.test(text)) return text.replace(empty, `${name}=${value}`);
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${separator}${name}=${value}\n`;
}

/** The openssl arguments of a self-signed P-256 certificate for localhost and 127.0.0.1. */
export function opensslArgs(keyFile: string, certFile: string): string[] {
  return [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-days', '825', '-subj', '/CN=localhost'],
    ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ...['-keyout', keyFile, '-out', certFile],
  ];
}

/**
 * Writes a self-signed certificate and its key into one PEM at `pem` (mode 0600, its directory
 * 0700), as HAProxy's `crt` reads it. Key and certificate pass through a private scratch
 * directory and the PEM appears whole (rename).
 */
export async function writeSelfSignedCertificate(pem: string): Promise<void> {
  const dir = dirname(pem);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const scratch = await mkdtemp(join(dir, '.new-'));
  try {
    const [key, cert] = [join(scratch, 'key.pem'), join(scratch, 'cert.pem')];
    await promisify(execFile)('openssl', opensslArgs(key, cert));
    const next = join(scratch, 'balancer.pem');
    const text = (await readFile(cert, 'utf8')) + (await readFile(key, 'utf8'));
    await writeFile(next, text, { mode: 0o600 });
    await rename(next, pem);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Where {@link ensureLocalCertificate} looks and writes. */
export interface CertificateSite {
  /** The `.env` file (created, mode 0600, when missing). */
  dotenvFile: string;
  /** The platform's state directory (`MF_STATE_DIR`). */
  stateDir: string;
  /** The process environment: a certificate named there wins too. */
  env: Record<string, string | undefined>;
}

/**
 * Makes sure the load balancer has a certificate for local use: unless `.env` or the environment
 * names one, a self-signed one in the state directory, named in `.env`.
 * @returns the plan it carried out and the certificate's path (the local one, or the one configured).
 */
export async function ensureLocalCertificate(
  site: CertificateSite,
): Promise<CertificatePlan & { path: string }> {
  const local = localCertificatePath(site.stateDir);
  // Empty counts as unset, as everywhere in the configuration.
  const configured =
    site.env[CERT_VARIABLE] || readDotenv(site.dotenvFile)[CERT_VARIABLE] || undefined;
  const exists = await readFile(local).then(
    () => true,
    () => false,
  );
  const plan = planCertificate(configured, local, exists);
  if (plan.generate) await writeSelfSignedCertificate(local);
  if (plan.writeEnv) {
    const text = await readFile(site.dotenvFile, 'utf8').catch(() => '');
    await writeFile(site.dotenvFile, withVariable(text, CERT_VARIABLE, local), { mode: 0o600 });
  }
  return { ...plan, path: configured ?? local };
}
