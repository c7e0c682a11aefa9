import { Router } from 'express';
import {
  basicCredentials,
  limitRequests,
  parseInput,
  requireToken,
  tokenOf,
  unauthorized,
  type Limit,
  type TokenAuth,
} from '@microflack/common';
import { revocationQuery } from './schemas.js';
import type { Tokens } from './tokens.js';

/** What the routes need. */
export interface RouteDeps {
  auth: TokenAuth;
  tokens: Tokens;
  /** Sign-in attempts per client address. */
  signIns: Limit;
}

/** The `/api/tokens` routes: parse, call the domain, respond. */
export function tokensRoutes({ auth, tokens, signIns }: RouteDeps): Router {
  const router = Router();
  const signedIn = requireToken(auth);
  // Counted before users is asked: a flood from one address never reaches bcrypt.
  const signInLimit = limitRequests(signIns, {
    code: 'too_many_requests',
    message: 'Too many sign-ins from this address; try again later.',
  });

  router.post('/', signInLimit, async (req, res) => {
    const credentials = basicCredentials(req);
    if (!credentials) {
      throw unauthorized(
        'Basic credentials (nickname:password) are required.',
        'credentials_required',
      );
    }
    const { token, expires_at } = await tokens.issue(credentials, req.ip ?? 'unknown');
    // A bearer token must not linger in any cache between the client and us.
    res.set('Cache-Control', 'no-store').json({ token, expires_at });
  });

  router.delete('/', signedIn, async (req, res) => {
    const { all } = parseInput(revocationQuery, req.query);
    await (all ? tokens.revokeAll(tokenOf(req)) : tokens.revoke(tokenOf(req)));
    res.status(204).end();
  });

  return router;
}
