import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { BRIEF_TOKEN_SECONDS, TokenError, TokenKeys } from '@microflack/common';

const SECRET = 'test-secret-that-is-long-enough';
const keys = new TokenKeys(SECRET, 60);

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function claims() {
  const now = Math.floor(Date.now() / 1000);
  return { user_id: 7, jti: 'abc', iat: now, exp: now + 60 };
}

describe('TokenKeys', () => {
  it('when a token is signed, then it verifies to the same user with an expiry in ms', () => {
    const issued = keys.sign(7);

    const verified = keys.verify(issued.token);

    expect(verified.user_id).toBe(7);
    expect(verified.jti).toBe(issued.jti);
    expect(issued.expires_at).toBe(verified.exp * 1000);
  });

  it('when a brief token is signed, then it lives BRIEF_TOKEN_SECONDS, not TOKEN_TTL', () => {
    const long = new TokenKeys(SECRET, 3600);

    const verified = long.verify(long.signBrief(7).token);

    expect(verified.exp - verified.iat).toBe(BRIEF_TOKEN_SECONDS);
    expect(BRIEF_TOKEN_SECONDS).toBeLessThanOrEqual(60);
  });

  it('when a token says alg none, then it is refused', () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`;

    expect(() => keys.verify(token)).toThrow(
      new TokenError('invalid_token', 'The token is not valid.'),
    );
  });

  it('when a token is signed with HS512 and the same secret, then it is refused', () => {
    const token = jwt.sign(claims(), SECRET, { algorithm: 'HS512' });

    expect(() => keys.verify(token)).toThrow(
      expect.objectContaining({ name: 'TokenError', code: 'invalid_token' }),
    );
  });

  it('when the payload is tampered with, then it is refused', () => {
    const [header, , signature] = keys.sign(7).token.split('.');
    const forged = `${header}.${base64url({ ...claims(), user_id: 1 })}.${signature}`;

    expect(() => keys.verify(forged)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
  });

  it('when a token is signed with another secret, then it is refused', () => {
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const body = base64url(claims());
    const signature = createHmac('sha256', 'another-secret-entirely!')
      .update(`${header}.${body}`)
      .digest('base64url');

    expect(() => keys.verify(`${header}.${body}.${signature}`)).toThrow(
      expect.objectContaining({ name: 'TokenError', code: 'invalid_token' }),
    );
  });

  it('when a token has expired, then it is refused as expired', () => {
    const issued = keys.sign(7, Date.now() - 120_000);

    expect(() => keys.verify(issued.token)).toThrow(
      expect.objectContaining({ code: 'expired_token' }),
    );
  });

  it('when the claims have the wrong shape, then it is refused', () => {
    const token = jwt.sign({ ...claims(), user_id: 'seven' }, SECRET, { algorithm: 'HS256' });

    expect(() => keys.verify(token)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
  });
});
