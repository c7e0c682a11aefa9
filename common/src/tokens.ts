import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';

const ALGORITHM = 'HS256';

const claimsSchema = z.object({
  user_id: z.number().int().positive(),
  jti: z.string().min(1),
  iat: z.number().int(),
  /**
   * When the token was issued, in milliseconds: a sign-out everywhere refuses exactly the tokens
   * issued before it, even within its second. Tokens of earlier releases lack it.
   */
  iat_ms: z.number().int().optional(),
  exp: z.number().int(),
});

/** The claims of a MicroFlack access token. */
export type TokenClaims = z.infer<typeof claimsSchema>;

/** A freshly issued token: the JWT and when it expires (Unix milliseconds). */
export interface IssuedToken {
  token: string;
  expires_at: number;
  jti: string;
}

/** Why a token was refused. */
export type TokenErrorCode = 'invalid_token' | 'expired_token' | 'revoked_token';

/**
 * A refused token. It belongs to no transport: the HTTP edge answers it with a 401, the
 * Socket.IO edge with an ack error, both carrying its `code` and message.
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';

  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The lifetime of a {@link TokenKeys.signBrief} token, in seconds. */
export const BRIEF_TOKEN_SECONDS = 30;

/** Signs and verifies HS256 tokens with one key built once (docs/api.md, tokens). */
export class TokenKeys {
  private readonly key: KeyObject;

  /**
   * @param secret the shared `JWT_SECRET_KEY`.
   * @param ttlSeconds the lifetime of issued tokens (`TOKEN_TTL`).
   */
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** Issues a token for `userId` with a fresh `jti`, for `TOKEN_TTL` unless told otherwise. */
  sign(userId: number, now = Date.now(), ttlSeconds = this.ttlSeconds): IssuedToken {
    const iat = Math.floor(now / 1000);
    const claims: TokenClaims = {
      user_id: userId,
      jti: randomUUID(),
      iat,
      iat_ms: Math.floor(now),
      exp: iat + ttlSeconds,
    };
    const token = jwt.sign(claims, this.key, { algorithm: ALGORITHM });
    return { token, expires_at: claims.exp * 1000, jti: claims.jti };
  }

  /**
   * A token for a service acting on a user's behalf for one call (socketio marking a user
   * offline): it lives {@link BRIEF_TOKEN_SECONDS}, so a copy that leaks is soon worthless.
   */
  signBrief(userId: number): IssuedToken {
    return this.sign(userId, Date.now(), BRIEF_TOKEN_SECONDS);
  }

  /**
   * Verifies signature (HS256 only), expiry and claim shapes.
   * @throws TokenError `invalid_token` or `expired_token`.
   */
  verify(token: string): TokenClaims {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, { algorithms: [ALGORITHM] });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) {
        throw new TokenError('expired_token', 'The token has expired.');
      }
      throw new TokenError('invalid_token', 'The token is not valid.');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenError('invalid_token', 'The token is not valid.');
    return claims.data;
  }
}
