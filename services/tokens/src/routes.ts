import { Router } from 'express';
import {
  basicCredentials,
  requireToken,
  tokenOf,
  unauthorized,
  type TokenAuth,
} from '@microflack/common';
import type { Tokens } from './tokens.js';

/** What the routes need. */
export interface RouteDeps {
  auth: TokenAuth;
  tokens: Tokens;
}

/** The `/api/tokens` routes: parse, call the domain, respond. */
export function tokensRoutes({ auth, tokens }: RouteDeps): Router {
  const router = Router();
  const signedIn = requireToken(auth);

  router.post('/', async (req, res) => {
    const credentials = basicCredentials(req);
    if (!credentials) {
      throw unauthorized(
        'Basic credentials (nickname:password) are required.',
        'credentials_required',
      );
    }
    const { token, expires_at } = await tokens.issue(credentials);
    // A bearer token must not linger in any cache between the client and us.
    res.set('Cache-Control', 'no-store').json({ token, expires_at });
  });

  router.delete('/', signedIn, async (req, res) => {
    await tokens.revoke(tokenOf(req));
    res.status(204).end();
  });

  return router;
}
