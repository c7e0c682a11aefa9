import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A self-signed certificate for 127.0.0.1, as `mfup` makes one for local use. */
export interface TestCertificate {
  /** Certificate and key in one file (mode 0600), as HAProxy's `crt` reads it. */
  pem: string;
  /** Removes it. */
  remove(): Promise<void>;
}

/** Makes a one-day self-signed P-256 certificate for localhost and 127.0.0.1 with openssl. */
export async function testCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-ui-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const pem = join(dir, 'balancer.pem');
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-days', '1', '-subj', '/CN=localhost'],
    ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ...['-keyout', key, '-out', cert],
  ]);
  const text = (await readFile(cert, 'utf8')) + (await readFile(key, 'utf8'));
  await writeFile(pem, text, { mode: 0o600 });
  return { pem, remove: () => rm(dir, { recursive: true, force: true }) };
}
