import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A self-signed certificate of 127.0.0.1 in `dir`: the PEM HAProxy reads, and the CA to trust. */
export interface SelfSigned {
  /** Certificate and private key in one file, as HAProxy's `crt` reads. */
  pem: string;
  /** The certificate alone (what a client trusts). */
  certificate: string;
}

/** Makes a one-day self-signed certificate for 127.0.0.1 with the openssl CLI. */
export async function selfSigned(dir: string): Promise<SelfSigned> {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const pem = join(dir, 'balancer.pem');
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
    ...['-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1'],
    ...['-addext', 'subjectAltName=IP:127.0.0.1'],
  ]);
  const certificate = readFileSync(cert, 'utf8');
  writeFileSync(pem, certificate + readFileSync(key, 'utf8'), { mode: 0o600 });
  return { pem, certificate };
}
