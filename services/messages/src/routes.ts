import { Router } from 'express';
import {
  optionalToken,
  parseInput,
  requireToken,
  tokenOf,
  type TokenAuth,
} from '@microflack/common';
import type { Messages } from './messages.js';
import { listQuery, messageBody, messageParams, parseIdempotencyKey, postBody } from './schemas.js';

/** What the routes need. */
export interface RouteDeps {
  auth: TokenAuth;
  messages: Messages;
}

/** The `/api/messages` routes: parse, call the domain, respond. */
export function messagesRoutes({ auth, messages }: RouteDeps): Router {
  const router = Router();
  const signedIn = requireToken(auth);
  const maybeSignedIn = optionalToken(auth);

  router.post('/', signedIn, async (req, res) => {
    const key = parseIdempotencyKey(req.get('Idempotency-Key'));
    const { source, channel_id } = parseInput(postBody, req.body);
    const { message, created } = await messages.create(
      tokenOf(req).user_id,
      source,
      key,
      channel_id,
    );
    res
      .status(created ? 201 : 200)
      .location(message._links.self)
      .json(message);
  });

  router.get('/', maybeSignedIn, async (req, res) => {
    const query = parseInput(listQuery, req.query);
    res.json(await messages.list(query, req.token?.user_id));
  });

  router.get('/:id', maybeSignedIn, async (req, res) => {
    const { id } = parseInput(messageParams, req.params);
    res.json(await messages.get(id, req.token?.user_id));
  });

  router.put('/:id', signedIn, async (req, res) => {
    const { id } = parseInput(messageParams, req.params);
    const { source } = parseInput(messageBody, req.body);
    res.json(await messages.edit(tokenOf(req).user_id, id, source));
  });

  router.delete('/:id', signedIn, async (req, res) => {
    const { id } = parseInput(messageParams, req.params);
    await messages.remove(tokenOf(req).user_id, id);
    res.status(204).end();
  });

  return router;
}
