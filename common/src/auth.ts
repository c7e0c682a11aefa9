import type { Request, RequestHandler } from 'express';
import { HttpError, unauthorized } from './errors.js';
import type { RevocationSet } from './revocations.js';
import { TokenError, type TokenClaims, type TokenKeys } from './tokens.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      /** The verified token's claims, set by {@link requireToken} or {@link optionalToken}. */
      token?: TokenClaims;
    }
  }
}

/**
 * What token checks need: the keys to verify with and the revocations (a {@link RevocationSet};
 * a bare set of revoked ids will do where no one is ever signed out everywhere).
 */
export interface TokenAuth {
  keys: TokenKeys;
  revoked: Pick<RevocationSet, 'has'> & Partial<Pick<RevocationSet, 'signedOutAt'>>;
}

/** Nickname and password from a Basic `Authorization` header. */
export interface BasicCredentials {
  nickname: string;
  password: string;
}

type Scheme = 'basic' | 'bearer';

function credentials(req: Request): { scheme: Scheme; value: string } | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^(\w+) +(\S+) *$/.exec(header);
  const scheme = match?.[1]?.toLowerCase();
  if (!match?.[2] || (scheme !== 'basic' && scheme !== 'bearer')) {
    throw unauthorized('The Authorization header must be "Bearer <token>" or Basic credentials.');
  }
  return { scheme, value: match[2] };
}

/**
 * Verifies a bearer token (signature, expiry, revocation) and returns its claims.
 * @throws TokenError when the token is invalid, expired or revoked.
 */
export function verifyToken(auth: TokenAuth, token: string): TokenClaims {
  const claims = auth.keys.verify(token);
  if (auth.revoked.has(claims.jti) || signedOutSince(auth, claims)) {
    throw new TokenError('revoked_token', 'The token has been revoked.');
  }
  return claims;
}

/** Whether the token's user was signed out everywhere after it was issued. */
function signedOutSince(auth: TokenAuth, claims: TokenClaims): boolean {
  const signedOutAt = auth.revoked.signedOutAt?.(claims.user_id);
  if (signedOutAt === undefined) return false;
  // A token without milliseconds counts as issued at the start of its second: refused if in doubt.
  return (claims.iat_ms ?? claims.iat * 1000) <= signedOutAt;
}

/** Decodes Basic credentials, or undefined when the request carries none. @throws 401 when malformed. */
export function basicCredentials(req: Request): BasicCredentials | undefined {
  const given = credentials(req);
  if (given?.scheme !== 'basic') return undefined;
  const decoded = Buffer.from(given.value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw unauthorized('The Basic credentials are malformed.');
  return { nickname: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function bearer(auth: TokenAuth, req: Request): TokenClaims | undefined {
  const given = credentials(req);
  if (given === undefined) return undefined;
  if (given.scheme !== 'bearer') throw unauthorized('This endpoint takes a Bearer token.');
  try {
    return verifyToken(auth, given.value);
  } catch (error) {
    // The HTTP edge of a refused token: a 401 with its code.
    if (error instanceof TokenError) throw unauthorized(error.message, error.code);
    throw error;
  }
}

/** Middleware: a valid Bearer token is required; its claims land on `req.token`. */
export function requireToken(auth: TokenAuth): RequestHandler {
  return (req, _res, next) => {
    const claims = bearer(auth, req);
    if (!claims) throw unauthorized('A Bearer token is required.', 'token_required');
    req.token = claims;
    next();
  };
}

/** Middleware: no token is fine, but a token that is present must be valid. */
export function optionalToken(auth: TokenAuth): RequestHandler {
  return (req, _res, next) => {
    const claims = bearer(auth, req);
    if (claims) req.token = claims;
    next();
  };
}

/** The claims of a route behind {@link requireToken}. */
export function tokenOf(req: Request): TokenClaims {
  if (!req.token) throw new HttpError(500, 'internal_error', 'The route is missing requireToken.');
  return req.token;
}
