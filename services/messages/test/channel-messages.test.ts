import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagesWorld, messageList, messageShape } from './helpers.js';
import { GENERAL, newClient } from './channel-client.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await MessagesWorld.create();
});
afterAll(async () => {
  await world.close();
});

/** `GET /api/messages?<query>` as a member; the answer must be a page. */
async function page(token: string, query: string) {
  const response = await request(world.app)
    .get(`/api/messages?${query}`)
    .auth(token, { type: 'bearer' });
  expect(response.status).toBe(200);
  return messageList.parse(response.body);
}

describe('messages in channels', () => {
  it('when a post names no channel, then it is in #general, and listings without channel_id show #general only', async () => {
    const ann = newClient(world);
    const room = await ann.create('elsewhere');
    const inRoom = await ann.post(room.id, 'in the room');

    const old = await world.post(ann.user.token, 'like an old client');
    const general = await world.list('limit=500');

    expect(old.channel_id).toBe(GENERAL);
    const ids = general.messages.map((message) => message.id);
    expect(ids).toContain(old.id);
    expect(ids).not.toContain(inRoom);
    expect(general.messages.every((message) => message.channel_id === GENERAL)).toBe(true);
  });

  it('when a channel has more than a page, then latest and before=ID page through that channel only', async () => {
    const ann = newClient(world);
    const room = await ann.create('paged');
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(await ann.post(room.id, `room ${i}`));
      await ann.post(GENERAL, `general ${i}`);
    }

    const latest = await page(ann.user.token, `channel_id=${room.id}&limit=2`);
    const older = await page(ann.user.token, `channel_id=${room.id}&limit=2&before=${ids[3]}`);
    const oldest = await page(ann.user.token, `channel_id=${room.id}&limit=2&before=${ids[1]}`);

    expect(latest.messages.map((message) => message.id)).toEqual(ids.slice(3));
    expect(older.messages.map((message) => message.id)).toEqual(ids.slice(1, 3));
    expect(oldest.messages.map((message) => message.id)).toEqual(ids.slice(0, 1));
  });

  it('when a client catches up on a channel (cursor or updated_since), then only that channel’s posts, edits and deletes come', async () => {
    const ann = newClient(world);
    const room = await ann.create('catch-up-room');
    const start = await page(ann.user.token, `channel_id=${room.id}`);
    const since = Date.now() - 1000;
    const kept = await ann.post(room.id, 'kept');
    const gone = await ann.post(room.id, 'gone');
    await ann.post(GENERAL, 'not in the room');
    await ann.call('put', `/api/messages/${kept}`).send({ source: 'kept, edited' }).expect(200);
    await ann.call('delete', `/api/messages/${gone}`).expect(204);

    const exact = await page(ann.user.token, `channel_id=${room.id}&cursor=${start.cursor}`);
    const timed = await page(ann.user.token, `channel_id=${room.id}&updated_since=${since}`);

    for (const answer of [exact, timed]) {
      expect(answer.messages.map(({ id, source, deleted }) => ({ id, source, deleted }))).toEqual([
        { id: kept, source: 'kept, edited', deleted: false },
        { id: gone, source: '', deleted: true },
      ]);
    }
    expect(world.events.deletedIn.at(-1)).toBe(room.id);
    expect(world.events.updates.at(-1)?.channel_id).toBe(room.id);
  });

  it('when the channel does not exist or channel_id is malformed, then 404 or 400', async () => {
    const missing = await request(world.app).get('/api/messages?channel_id=999999');
    const malformed = await request(world.app).get('/api/messages?channel_id=general');
    const body = await request(world.app)
      .post('/api/messages')
      .auth(world.user().token, { type: 'bearer' })
      .send({ source: 'x', channel_id: 'general' });

    expect(missing.status).toBe(404);
    expect([malformed.status, body.status]).toEqual([400, 400]);
  });

  it('when a retried post names a channel, then the first message comes back', async () => {
    const ann = newClient(world);
    const room = await ann.create('retry-room');
    const send = () =>
      ann
        .call('post', '/api/messages')
        .set('Idempotency-Key', 'room-retry-1')
        .send({ source: 'once', channel_id: room.id });

    const first = await send();
    const retry = await send();

    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(messageShape.parse(retry.body)).toEqual(messageShape.parse(first.body));
  });
});
