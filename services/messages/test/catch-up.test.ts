import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../src/messages.js';
import { MessagesWorld, messageShape } from './helpers.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await MessagesWorld.create();
});
afterAll(async () => {
  await world.close();
});

const post = (token: string, source: string) => world.post(token, source);

async function edit(token: string, id: number, source: string): Promise<void> {
  const response = await request(world.app)
    .put(`/api/messages/${id}`)
    .auth(token, { type: 'bearer' })
    .send({ source });
  expect(response.status).toBe(200);
}

async function remove(token: string, id: number): Promise<void> {
  const response = await request(world.app)
    .delete(`/api/messages/${id}`)
    .auth(token, { type: 'bearer' });
  expect(response.status).toBe(204);
}

/**
 * A client that catches up the way the ui does: from the cursor of its last answer, page by
 * page, keeping each message at its newest version.
 */
class CatchingUpClient {
  readonly seen = new Map<number, Message>();
  private constructor(private cursor: string) {}

  /** Starts from the cursor of the latest page. */
  static async start(): Promise<CatchingUpClient> {
    return new CatchingUpClient((await world.list('limit=1')).cursor);
  }

  /** One catch-up: every page until a short one, whose `pending` it returns. */
  async catchUp(limit = 500): Promise<boolean | undefined> {
    for (;;) {
      const page = await world.list(`cursor=${this.cursor}&limit=${limit}`);
      for (const message of page.messages) {
        const known = this.seen.get(message.id);
        if (!known || known.updated_at <= message.updated_at) this.seen.set(message.id, message);
      }
      this.cursor = page.cursor;
      if (page.messages.length < limit) return page.pending;
    }
  }

  /** Catches up until `ids` are all seen (other engineers' transactions may hold the horizon). */
  async catchUpUntilSeen(ids: readonly number[]): Promise<void> {
    await expect
      .poll(
        async () => {
          await this.catchUp();
          return ids.filter((id) => !this.seen.has(id));
        },
        { timeout: 15_000 },
      )
      .toEqual([]);
  }
}

describe('catch-up with updated_since (the original API, kept for old clients)', () => {
  it('when updated_since=T, then every message created, edited or deleted since T comes, tombstones included, by updated_at', async () => {
    const erin = world.user();
    const edited = await post(erin.token, 'first draft');
    const since = (await post(erin.token, 'marker')).created_at;
    const removed = await post(erin.token, 'to be removed');
    await edit(erin.token, edited.id, 'second draft');
    await remove(erin.token, removed.id);

    const { messages } = await world.list(`updated_since=${since}`);

    const updatedAt = messages.map((message) => message.updated_at);
    expect(updatedAt).toEqual([...updatedAt].sort((a, b) => a - b));
    expect(messages.every((message) => message.updated_at >= since)).toBe(true);
    const mine = messages.filter((message) => message.user_id === erin.id);
    expect(mine.map((message) => [message.source, message.deleted])).toEqual([
      ['marker', false],
      ['second draft', false],
      ['', true],
    ]);
  });

  it("when user_id=U and updated_since=T, then only that author's changes come", async () => {
    const ivy = world.user();
    const mine = await post(ivy.token, 'by ivy');
    await post(world.user().token, 'by someone else');

    const { messages } = await world.list(`user_id=${ivy.id}&updated_since=${mine.created_at}`);

    expect(messages.map((message) => message.id)).toEqual([mine.id]);
  });
});

describe('catch-up with a cursor', () => {
  it('when a client catches up from its cursor, then every post, edit and delete since comes, at its newest version', async () => {
    const client = await CatchingUpClient.start();
    const jo = world.user();
    const edited = await post(jo.token, 'draft');
    const removed = await post(jo.token, 'oops');
    const kept = await post(jo.token, 'kept');
    await edit(jo.token, edited.id, 'final');
    await remove(jo.token, removed.id);

    await client.catchUpUntilSeen([edited.id, removed.id, kept.id]);

    expect(client.seen.get(edited.id)).toMatchObject({ source: 'final', deleted: false });
    expect(client.seen.get(removed.id)).toMatchObject({ source: '', deleted: true });
    expect(client.seen.get(kept.id)).toMatchObject({ source: 'kept' });
  });

  it('when the changes fill several pages (one transaction wrote many), then the pages hold each once, in order', async () => {
    let cursor = (await world.list('limit=1')).cursor;
    const filler = world.user().id;
    const inserted = await world.pool.query<{ id: number }>(
      `INSERT INTO messages (user_id, source, html)
       SELECT $1, 'bulk ' || n, '<p>bulk</p>' FROM generate_series(1, 7) AS n RETURNING id`,
      [filler],
    );
    const ids = inserted.rows.map((row) => row.id);

    const pages: number[][] = [];
    await expect
      .poll(
        async () => {
          const page = await world.list(`cursor=${cursor}&user_id=${filler}&limit=3`);
          if (page.messages.length > 0) pages.push(page.messages.map((message) => message.id));
          cursor = page.cursor;
          return pages.flat();
        },
        { timeout: 15_000 },
      )
      .toEqual(ids);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
  });

  it('when rows commit out of timestamp order, then updated_since misses the late one and the cursor does not', async () => {
    const kim = world.user();
    const client = await CatchingUpClient.start();
    const since = Date.now() - 1000;
    // A transaction that stamps its row now and commits only after a later row committed.
    const slow = await world.pool.connect();
    try {
      await slow.query('BEGIN');
      const held = await slow.query<{ id: number }>(
        `INSERT INTO messages (user_id, source, html) VALUES ($1, 'slow', '<p>slow</p>')
         RETURNING id`,
        [kim.id],
      );
      const late = held.rows[0]?.id ?? 0;
      const quick = await post(kim.token, 'quick');
      const legacyFirst = await world.list(`user_id=${kim.id}&updated_since=${since}`);
      const pendingWhileHeld = await client.catchUp();
      await slow.query('COMMIT');

      const lateMessage = await request(world.app).get(`/api/messages/${late}`);
      expect(lateMessage.body).toMatchObject({ source: 'slow' });
      expect(messageShape.parse(lateMessage.body).updated_at).toBeLessThan(quick.updated_at);
      // The race, as an old client lives it: it saw `quick`, moved past it, and `slow` is behind.
      expect(legacyFirst.messages.map((message) => message.id)).toEqual([quick.id]);
      const legacyNext = await world.list(
        `user_id=${kim.id}&updated_since=${quick.updated_at + 1}`,
      );
      expect(legacyNext.messages).toEqual([]);
      // The cursor had not passed `quick`: `slow` was still running, so nothing after it was due.
      expect(client.seen.has(quick.id)).toBe(false);
      // …and the answer said so: `quick` is committed and held back, ask again in a moment.
      expect(pendingWhileHeld).toBe(true);
      await client.catchUpUntilSeen([late, quick.id]);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
    }
  });

  it('when an old instance writes (no idempotency key, its own SQL), then the cursor still sees its changes', async () => {
    const client = await CatchingUpClient.start();
    const old = await world.pool.query<{ id: number }>(
      `INSERT INTO messages (user_id, source, html) VALUES ($1, 'old', '<p>old</p>') RETURNING id`,
      [world.user().id],
    );
    const id = old.rows[0]?.id ?? 0;
    await client.catchUpUntilSeen([id]);
    await world.pool.query(
      `UPDATE messages SET source = 'old, edited', updated_at = clock_timestamp() WHERE id = $1`,
      [id],
    );

    await expect
      .poll(
        async () => {
          await client.catchUp();
          return client.seen.get(id)?.source;
        },
        { timeout: 15_000 },
      )
      .toBe('old, edited');
  });

  it('when cursor and updated_since are both given (a client during a roll), then the cursor wins', async () => {
    const { cursor } = await world.list('limit=1');
    const lee = world.user();
    const message = await post(lee.token, 'both');
    const future = message.updated_at + 60_000;

    const byTime = await world.list(`user_id=${lee.id}&updated_since=${future}`);

    expect(byTime.messages).toEqual([]);
    await expect
      .poll(
        async () => {
          const both = await world.list(
            `user_id=${lee.id}&updated_since=${future}&cursor=${cursor}`,
          );
          return both.messages.map((found) => found.id);
        },
        { timeout: 15_000 },
      )
      .toEqual([message.id]);
  });
});
