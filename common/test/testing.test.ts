import { createServer } from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { basic, portOf, uniqueNickname } from '@microflack/common/testing';

describe('the testing door', () => {
  it.each([
    ['a URL', 'http://127.0.0.1:8080/api', 8080],
    ['an address', '127.0.0.1:15432', 15432],
    ['an instance', { url: 'http://127.0.0.1:41234' }, 41234],
  ])('when portOf is given %s, then it finds the port', (_what, where, port) => {
    expect(portOf(where)).toBe(port);
  });

  it('when portOf is given a listening server, then it gives the port it got', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');

    expect(portOf(server)).toBeGreaterThan(0);
    server.close();
  });

  it('when a URL has no port, then portOf says so', () => {
    expect(() => portOf('http://example.test/')).toThrow(/no port/);
  });

  it('when basic is given credentials, then the header decodes back to them', () => {
    const header = basic('ann', 'pass:word');

    expect(Buffer.from(header.replace(/^Basic /, ''), 'base64').toString()).toBe('ann:pass:word');
  });

  it('when nicknames are made, then they differ and fit the 32-character limit', () => {
    const nicknames = new Set(Array.from({ length: 100 }, () => uniqueNickname('someone')));

    expect(nicknames.size).toBe(100);
    for (const nickname of nicknames) expect(nickname).toMatch(/^someone_[0-9a-f]{8}$/);
  });
});
