import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haproxyPaths, prepareConfig, validateConfig } from '@microflack/haproxy';
import {
  ensureLocalCertificate,
  localCertificatePath,
  planCertificate,
  withVariable,
} from '../src/local/certificate.js';

const scratch = mkdtempSync(join(tmpdir(), 'mf-cert-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh checkout's `.env` and state directory. */
function site(name: string, dotenv?: string) {
  const dir = join(scratch, name);
  const dotenvFile = join(dir, '.env');
  mkdirSync(dir, { recursive: true });
  if (dotenv !== undefined) writeFileSync(dotenvFile, dotenv);
  return { dotenvFile, stateDir: join(dir, 'state'), env: {} };
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('planCertificate', () => {
  const local = '/repo/.mf/tls/balancer.pem';

  it.each([
    [undefined, false, { generate: true, writeEnv: true }],
    [undefined, true, { generate: false, writeEnv: true }],
    [local, true, { generate: false, writeEnv: false }],
    [local, false, { generate: true, writeEnv: false }],
    ['/etc/ssl/mine.pem', false, { generate: false, writeEnv: false }],
    ['/etc/ssl/mine.pem', true, { generate: false, writeEnv: false }],
  ])('when %j is configured and the local one exists: %j, then %j', (configured, exists, plan) => {
    expect(planCertificate(configured, local, exists)).toEqual(plan);
  });
});

describe('withVariable', () => {
  it.each([
    ['', 'A=/x\n'],
    ['B=1\n', 'B=1\nA=/x\n'],
    ['B=1', 'B=1\nA=/x\n'],
    ['B=1\nA=\nC=2\n', 'B=1\nA=/x\nC=2\n'],
    ['A=""\n', 'A=/x\n'],
    ['AB=\n', 'AB=\nA=/x\n'],
  ])('when .env is %j, then it becomes %j', (text, expected) => {
    expect(withVariable(text, 'A', '/x')).toBe(expected);
  });
});

describe('ensureLocalCertificate', () => {
  it('when nothing is configured, then a private self-signed certificate for localhost is written and named in .env, once', async () => {
    const where = site('fresh', 'JWT_SECRET_KEY=k\n');
    const pem = localCertificatePath(where.stateDir);

    expect(await ensureLocalCertificate(where)).toEqual({
      generate: true,
      writeEnv: true,
      path: pem,
    });
    const first = readFileSync(pem, 'utf8');
    expect(first).toMatch(/BEGIN CERTIFICATE[\s\S]*BEGIN PRIVATE KEY/);
    expect(mode(pem)).toBe(0o600);
    expect(mode(join(where.stateDir, 'tls'))).toBe(0o700);
    expect(readFileSync(where.dotenvFile, 'utf8')).toBe(
      `JWT_SECRET_KEY=k\nMF_BALANCER_TLS_CERT=${pem}\n`,
    );
    const names = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], {
      input: first,
    }).toString();
    expect(names).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1/);

    expect(await ensureLocalCertificate(where)).toMatchObject({ generate: false, writeEnv: false });
    expect(readFileSync(pem, 'utf8')).toBe(first);
    expect(readFileSync(where.dotenvFile, 'utf8').match(/MF_BALANCER_TLS_CERT/g)).toHaveLength(1);
  });

  it('when there is no .env yet, then it is created readable by its owner only', async () => {
    const where = site('no-dotenv');

    await ensureLocalCertificate(where);

    expect(mode(where.dotenvFile)).toBe(0o600);
  });

  it('when .env or the environment names a certificate, then that one wins and nothing is written', async () => {
    const inDotenv = site('own', 'MF_BALANCER_TLS_CERT=/etc/ssl/mine.pem\n');
    const inEnv = { ...site('own-env', ''), env: { MF_BALANCER_TLS_CERT: '/etc/ssl/env.pem' } };

    expect(await ensureLocalCertificate(inDotenv)).toMatchObject({ path: '/etc/ssl/mine.pem' });
    expect(await ensureLocalCertificate(inEnv)).toMatchObject({ path: '/etc/ssl/env.pem' });

    for (const where of [inDotenv, inEnv]) {
      expect(() => statSync(where.stateDir)).toThrow();
    }
    expect(readFileSync(inEnv.dotenvFile, 'utf8')).toBe('');
  });

  it('when HAProxy is given the certificate, then it accepts it (haproxy -c)', async () => {
    const where = site('haproxy');
    const { path } = await ensureLocalCertificate(where);
    const paths = haproxyPaths(join(where.stateDir, 'haproxy'));

    await prepareConfig('haproxy', paths, {
      bindHost: '127.0.0.1',
      balancerPort: 18080,
      statsPort: 18404,
      statsAuth: 'admin:x',
      stateFile: paths.state,
      adminSocket: paths.adminSocket,
      peersSocket: paths.peersSocket,
      hardStopAfterSeconds: 30,
      https: { port: 18443, certificate: path, redirect: true, hstsMaxAgeSeconds: 600 },
    });

    expect(await validateConfig('haproxy', paths.config)).toEqual({ valid: true });
  });
});
