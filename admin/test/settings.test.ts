import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@microflack/common';
import { parseRunAs } from '../src/local/run-as.js';
import { localEnv, localUrls, readDotenv } from '../src/settings.js';

describe('readDotenv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-dotenv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['A=1', { A: '1' }],
    ['export A=1', { A: '1' }],
    ['A = "quoted value"', { A: 'quoted value' }],
    ["A='single'", { A: 'single' }],
    ['# A=1\n\nB=2', { B: '2' }],
    ['A=', { A: '' }],
    ['C=x=y', { C: 'x=y' }],
    ['A=1 # a comment', { A: '1' }],
    ['A="two\nlines"', { A: 'two\nlines' }],
  ])('when the file is %j, then it reads %j', (text, expected) => {
    const file = join(dir, '.env');
    writeFileSync(file, text);

    expect(readDotenv(file)).toEqual(expected);
  });

  it('when there is no file, then it reads nothing', () => {
    expect(readDotenv(join(dir, 'absent.env'))).toEqual({});
  });
});

describe('local settings', () => {
  it('when nothing is set, then the default ports are used', () => {
    const settings = loadConfig(localEnv, {}, {});

    expect(settings).toMatchObject({
      MF_BALANCER_PORT: 8080,
      MF_STATS_PORT: 8404,
      MF_ETCD_PORT: 12379,
      MF_ETCD_PEER_PORT: 12380,
      MF_PG_PORT: 15432,
      MF_REDIS_PORT: 16379,
    });
  });

  it('when ports are overridden, then every URL handed to instances follows', () => {
    const settings = loadConfig(
      localEnv,
      {},
      { MF_PG_PORT: '25432', MF_ETCD_PORT: '22379', MF_REDIS_PORT: '26379' },
    );

    const urls = localUrls(settings);

    expect(urls.MF_ETCD_URL).toBe('http://127.0.0.1:22379');
    expect(urls.REDIS_URL).toBe('redis://127.0.0.1:26379');
    expect(urls.databaseUrl('users')).toBe('postgres://postgres@127.0.0.1:25432/users');
  });

  it('when the database passwords are set, then each service connects as its own role with its own password', () => {
    const settings = loadConfig(
      localEnv,
      {},
      {
        USERS_DB_PASSWORD: 'users-password-0123456789',
        MESSAGES_DB_PASSWORD: 'messages-pw-0123456789',
      },
    );

    const urls = localUrls(settings);

    expect(urls.databaseUrl('users')).toBe(
      'postgres://users:users-password-0123456789@127.0.0.1:15432/users',
    );
    expect(urls.databaseUrl('messages')).toBe(
      'postgres://messages:messages-pw-0123456789@127.0.0.1:15432/messages',
    );
  });

  it('when only one database password is set, then the other service fails naming its variable', () => {
    const settings = loadConfig(localEnv, {}, { USERS_DB_PASSWORD: 'users-password-0123456789' });

    expect(() => localUrls(settings).databaseUrl('messages')).toThrow(/MESSAGES_DB_PASSWORD/);
  });

  it.each([
    ['microflack', { user: 'microflack' }],
    ['app:staff', { user: 'app', group: 'staff' }],
  ])('when MF_RUN_AS is %j, then the instances run as %j', (value, expected) => {
    const settings = loadConfig(localEnv, {}, { MF_RUN_AS: value });

    expect(parseRunAs(settings.MF_RUN_AS)).toEqual(expected);
  });

  it.each(['a b', 'x:y:z', 'Root', "x' user root"])(
    'when MF_RUN_AS is %j, then the error names the variable',
    (value) => {
      expect(() => loadConfig(localEnv, {}, { MF_RUN_AS: value })).toThrow(/MF_RUN_AS/);
    },
  );

  it('when MF_RUN_AS is unset or empty, then the instances run as microflack', () => {
    expect(loadConfig(localEnv, {}, { MF_RUN_AS: '' }).MF_RUN_AS).toBe('microflack');
  });

  it('when a port is not a number, then the error names the variable', () => {
    expect(() => loadConfig(localEnv, {}, { MF_BALANCER_PORT: 'eighty' })).toThrow(
      /MF_BALANCER_PORT/,
    );
  });

  it('when only the former MF_LB_PORT is set, then it still sets the load balancer port', () => {
    const settings = loadConfig(localEnv, {}, { MF_LB_PORT: '9090' });

    expect(settings.MF_BALANCER_PORT).toBe(9090);
    expect(localUrls(settings).MF_BALANCER_URL).toBe('http://127.0.0.1:9090');
  });
});
