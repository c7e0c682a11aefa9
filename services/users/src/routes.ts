import { Router, type Request, type RequestHandler } from 'express';
import {
  basicCredentials,
  limitRequests,
  optionalToken,
  parseInput,
  requireToken,
  tokenOf,
  type TokenAuth,
} from '@microflack/common';
import type { UsersLimits } from './abuse-limits.js';
import { listQuery, profileChange, registration, userIdParams } from './schemas.js';
import type { Users } from './users.js';

/** What the routes need. */
export interface RouteDeps {
  auth: TokenAuth;
  users: Users;
  limits: Pick<UsersLimits, 'registrations'>;
}

/** The client address of a request, as Express resolved it through the load balancer. */
const addressOf = (req: Request): string => req.ip ?? 'unknown';

/** The `/api/users` routes: parse, call the domain, respond. */
export function usersRoutes({ auth, users, limits }: RouteDeps): Router {
  const router = Router();
  const signedIn = requireToken(auth);
  const maybeSignedIn = optionalToken(auth);

  // Basic credentials are only ever taken here; without them the route wants a Bearer token.
  const basicSignIn: RequestHandler = async (req, res, next) => {
    const credentials = basicCredentials(req);
    if (!credentials) {
      next();
      return;
    }
    res.json(await users.signIn(credentials, addressOf(req)));
  };

  const registrationLimit = limitRequests(limits.registrations, {
    code: 'too_many_requests',
    message: 'Too many accounts created from this address; try again later.',
  });

  router.post('/', registrationLimit, async (req, res) => {
    const { nickname, password } = parseInput(registration, req.body);
    const user = await users.register(nickname, password);
    res.status(201).location(user._links.self).json(user);
  });

  router.get('/', maybeSignedIn, async (req, res) => {
    const query = parseInput(listQuery, req.query);
    const filter = {
      online: query.online,
      updatedSince: query.updated_since,
      after: query.after,
      limit: query.limit,
    };
    res.json({ users: await users.list(filter) });
  });

  router.get('/me', basicSignIn, signedIn, async (req, res) => {
    res.json(await users.me(tokenOf(req).user_id));
  });

  router.put('/me', signedIn, async (req, res) => {
    await users.ping(tokenOf(req).user_id);
    res.status(204).end();
  });

  router.delete('/me', signedIn, async (req, res) => {
    await users.leave(tokenOf(req).user_id);
    res.status(204).end();
  });

  router.get('/:id', maybeSignedIn, async (req, res) => {
    const { id } = parseInput(userIdParams, req.params);
    res.json(await users.get(id));
  });

  router.put('/:id', signedIn, async (req, res) => {
    const { id } = parseInput(userIdParams, req.params);
    const change = parseInput(profileChange, req.body);
    res.json(await users.update(tokenOf(req).user_id, id, change));
  });

  return router;
}
