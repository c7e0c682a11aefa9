import { randomBytes } from 'node:crypto';

/** An `Authorization` header with Basic credentials. */
export function basic(nickname: string, password: string): string {
  return `Basic ${Buffer.from(`${nickname}:${password}`).toString('base64')}`;
}

/** An `Authorization` header with a Bearer token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** A nickname no other test (or run) uses: `<stem>_<8 random hex digits>`. */
export function uniqueNickname(stem = 'user'): string {
  return `${stem}_${randomBytes(4).toString('hex')}`;
}

/**
 * A client address of the benchmarking range (198.18.0.0/15), a different one each call: sent as
 * `X-Forwarded-For` (tests connect from loopback, which services trust as a proxy), it makes a
 * request come from a client of its own, with limits of its own.
 */
export function randomAddress(): string {
  const [a = 0, b = 0] = randomBytes(2);
  return `198.18.${a}.${b}`;
}
