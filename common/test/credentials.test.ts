import { describe, expect, it } from 'vitest';
import { connectEtcd, withPassword } from '@microflack/common';

describe('withPassword', () => {
  it.each([
    ['redis://127.0.0.1:16379', undefined, 'redis://127.0.0.1:16379'],
    ['redis://127.0.0.1:16379', 'pass-word_1', 'redis://:pass-word_1@127.0.0.1:16379'],
    ['redis://redis:6379/2', 'p@ss', 'redis://:p%40ss@redis:6379/2'],
  ])('when %s gets the password %j, then the URL is %s', (url, password, expected) => {
    expect(withPassword(url, password)).toBe(expected);
  });
});

describe('connectEtcd', () => {
  it('when a password is given without a user, then it refuses to connect, naming both variables', () => {
    expect(() =>
      connectEtcd({ MF_ETCD_URL: ['http://127.0.0.1:1'], MF_ETCD_PASSWORD: 'secret' }),
    ).toThrow('MF_ETCD_PASSWORD is set without MF_ETCD_USER');
  });
});
