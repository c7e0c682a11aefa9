import { describe, expect, it } from 'vitest';
import { chooseCoding } from '../src/encoding.js';

describe('chooseCoding', () => {
  it.each([
    ['gzip, deflate, br, zstd', ['br', 'gzip'], 'br'],
    ['gzip, deflate', ['br', 'gzip'], 'gzip'],
    ['br;q=0.5, gzip', ['br', 'gzip'], 'gzip'],
    ['br;q=0, gzip;q=0', ['br', 'gzip'], undefined],
    ['*', ['gzip'], 'gzip'],
    ['*;q=0, identity', ['br', 'gzip'], undefined],
    ['BR', ['br'], 'br'],
    ['br', ['gzip'], undefined],
    ['', ['br', 'gzip'], undefined],
    [undefined, ['br', 'gzip'], undefined],
    ['gzip;q=nonsense, br', ['br', 'gzip'], 'br'],
  ] as const)(
    'when Accept-Encoding is %j and %j exist, then %s is sent',
    (header, available, expected) => {
      expect(chooseCoding(header, available)).toBe(expected);
    },
  );
});
