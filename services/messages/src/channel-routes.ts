import { Router, type Request } from 'express';
import { parseInput, requireToken, tokenOf, type TokenAuth } from '@microflack/common';
import {
  channelChangeBody,
  channelParams,
  newChannelBody,
  readBody,
  userBody,
  viewerQuery,
} from './channel-schemas.js';
import type { Channels } from './channels.js';
import type { Viewer } from './channels-repo.js';

/** What the channel routes need. */
export interface ChannelRouteDeps {
  auth: TokenAuth;
  channels: Channels;
}

/** The signed-in caller, with the nickname they gave for mention counts. */
function viewerOf(req: Request): Viewer {
  const { nickname } = parseInput(viewerQuery, req.query);
  return { userId: tokenOf(req).user_id, nickname };
}

/** The `/api/channels` routes: parse, call the domain, respond. */
export function channelsRoutes({ auth, channels }: ChannelRouteDeps): Router {
  const router = Router();
  router.use(requireToken(auth));

  router.get('/', async (req, res) => {
    res.json({ channels: await channels.list(viewerOf(req)) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(newChannelBody, req.body);
    const channel = await channels.create(tokenOf(req).user_id, body);
    res.status(201).location(channel._links.self).json(channel);
  });

  router.post('/direct', async (req, res) => {
    const { user_id } = parseInput(userBody, req.body);
    const { channel, created } = await channels.direct(tokenOf(req).user_id, user_id);
    res
      .status(created ? 201 : 200)
      .location(channel._links.self)
      .json(channel);
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(channelParams, req.params);
    res.json(await channels.get(id, viewerOf(req)));
  });

  router.put('/:id', async (req, res) => {
    const { id } = parseInput(channelParams, req.params);
    const change = parseInput(channelChangeBody, req.body);
    res.json(await channels.update(tokenOf(req).user_id, id, change));
  });

  membershipRoutes(router, channels);
  return router;
}

/** The routes of one's own membership, of adding members, and of the read pointer. */
function membershipRoutes(router: Router, channels: Channels): void {
  router.put('/:id/members/me', async (req, res) => {
    const { id } = parseInput(channelParams, req.params);
    await channels.join(tokenOf(req).user_id, id);
    res.status(204).end();
  });

  router.delete('/:id/members/me', async (req, res) => {
    const { id } = parseInput(channelParams, req.params);
    await channels.leave(tokenOf(req).user_id, id);
    res.status(204).end();
  });

  router.post('/:id/members', async (req, res) => {
    const { id } = parseInput(channelParams, req.params);
    const { user_id } = parseInput(userBody, req.body);
    await channels.add(tokenOf(req).user_id, id, user_id);
    res.status(204).end();
  });

  router.put('/:id/read', async (req, res) => {
    const { id } = parseInput(channelParams, req.params);
    const { message_id } = parseInput(readBody, req.body);
    await channels.markRead(tokenOf(req).user_id, id, message_id);
    res.status(204).end();
  });
}
