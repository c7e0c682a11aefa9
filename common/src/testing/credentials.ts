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
