import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { bearer } from './credentials.js';
import { startRequestLoop, type RequestLoopResult } from './request-loop.js';
import { signedInUser } from './signed-in-user.js';
import { waitFor } from './wait.js';

/** How {@link startChatLoad} loads a whole platform through its load balancer. */
export interface ChatLoadOptions {
  /** The load balancer, e.g. `http://127.0.0.1:8080` (loopback only). */
  url: string;
  /** Readers sending `GET /api/messages` back to back (default 8: ≥ 200 req/s here). */
  readers?: number;
  /** Readers loading the ui's page `/` back to back (default 1). */
  pageReaders?: number;
  /** Users posting over REST, each one message every `postIntervalMs` (default 4 and 200 ms). */
  posters?: number;
  postIntervalMs?: number;
  /** Socket.IO clients following the chat, catching up after each reconnect (default 4). */
  listeners?: number;
}

/** One post that did not get its 201, or one catch-up that did not get its 200. */
export interface ChatFailure {
  what: string;
  outcome: number | string;
}

/** What a chat load saw, from the start to {@link ChatLoad.stop}. */
export interface ChatLoadResult {
  reads: RequestLoopResult;
  pageReads: RequestLoopResult;
  /** Posts acknowledged (201). */
  posted: number;
  failures: ChatFailure[];
  /** Acknowledged messages some listener never received, even after catching up. */
  lost: number;
  /** Acknowledged posts stored more than once. */
  duplicated: number;
  /** Reconnects of listeners (each followed by a catch-up). */
  reconnects: number;
  /** Posts sent again after their connection closed before an answer (same Idempotency-Key). */
  resent: number;
}

/** A running chat load. */
export interface ChatLoad {
  /** Ends the load, waits (bounded) for the listeners to have every acknowledged message, reports. */
  stop(): Promise<ChatLoadResult>;
}

const message = z.looseObject({ id: z.number(), source: z.string(), updated_at: z.number() });
const messageList = z.object({
  messages: z.array(message),
  cursor: z.string(),
  pending: z.boolean().optional(),
});
type Message = z.infer<typeof message>;

/** The cursor of now: what a client that has seen everything so far holds. */
async function currentCursor(url: string): Promise<string> {
  const response = await fetch(`${url}/api/messages?limit=1`);
  return messageList.parse(await response.json()).cursor;
}

/**
 * Every change after `cursor` (the exact catch-up, in commit order), paging by 500, with the
 * cursor to continue from; the status instead when the platform did not answer 200.
 */
async function messagesAfter(
  url: string,
  cursor: string,
): Promise<{ messages: Message[]; cursor: string } | number> {
  // A change can come twice (in a page and again after its cursor): kept by id, it counts once.
  const all = new Map<number, Message>();
  for (let at = cursor, waits = 0; ;) {
    const query = new URLSearchParams({ cursor: at, limit: '500' });
    const response = await fetch(`${url}/api/messages?${query.toString()}`);
    if (response.status !== 200) return response.status;
    const page = messageList.parse(await response.json());
    for (const row of page.messages) all.set(row.id, row);
    at = page.cursor;
    // Committed changes held back behind an older transaction: asked for again shortly.
    if (page.pending === true && waits++ < 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    else if (page.messages.length < 500) return { messages: [...all.values()], cursor: at };
  }
}

/** A Socket.IO client that keeps the id of every message it learns of, like the ui does. */
class Listener {
  readonly seen = new Set<number>();
  reconnects = 0;
  private readonly socket: Socket;

  constructor(
    private readonly url: string,
    token: string,
    private cursor: string,
    private readonly failures: ChatFailure[],
  ) {
    this.socket = io(url, { auth: { token }, reconnectionDelayMax: 1000 });
    this.socket.on('updated_model', (payload: { model?: unknown }) => this.keep(payload.model));
    // On `connect`, not the manager's `reconnect`: only once the namespace accepted the socket
    // does it receive broadcasts, so a catch-up begun earlier could miss one posted in between.
    let connections = 0;
    this.socket.on('connect', () => {
      if (connections++ === 0) return;
      this.reconnects++;
      this.resync();
    });
    // Broadcasts were lost while Redis was away: as after a reconnect, the catch-up brings them.
    this.socket.on('resync', () => this.resync());
  }

  /** Resolves once connected. */
  connected(): Promise<void> {
    return new Promise((resolve) =>
      this.socket.connected ? resolve() : this.socket.once('connect', () => resolve()),
    );
  }

  close(): void {
    this.socket.close();
  }

  private keep(model: unknown): void {
    const parsed = message.safeParse(model);
    if (!parsed.success) return;
    this.seen.add(parsed.data.id);
  }

  private resync(): void {
    this.catchUp().catch((error: unknown) =>
      this.failures.push({ what: 'catch-up', outcome: String(error) }),
    );
  }

  /** As a real client must: the catch-up can itself meet a change, so it is retried. */
  private async catchUp(): Promise<void> {
    await waitFor(
      async () => {
        const answer = await messagesAfter(this.url, this.cursor);
        if (typeof answer === 'number') {
          this.failures.push({ what: 'catch-up', outcome: answer });
          return false;
        }
        answer.messages.forEach((m) => this.keep(m));
        this.cursor = answer.cursor;
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'a catch-up' },
    );
  }
}

/**
 * Posts one message every `intervalMs` as one user, keeping the acknowledged ids. A post whose
 * connection closed before any answer is sent again (twice at most) with the same
 * `Idempotency-Key`, as the ui's outbox does: the answer tells whether it was stored.
 */
function startPoster(
  url: string,
  token: string,
  intervalMs: number,
  acked: Map<number, string>,
  failures: ChatFailure[],
): { stop(): Promise<void>; resent(): number } {
  let n = 0;
  let resent = 0;
  let inFlight = Promise.resolve();
  const send = (source: string, key: string) =>
    fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: {
        authorization: bearer(token),
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ source }),
    });
  const post = async () => {
    const source = `load ${token.slice(-8)} ${n++}`;
    const key = randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await send(source, key);
        const body: unknown = await response.json();
        if (response.status === 201 || response.status === 200)
          acked.set(message.parse(body).id, source);
        else failures.push({ what: 'post', outcome: response.status });
        return;
      } catch (error) {
        const cause = error instanceof Error ? error.cause : undefined;
        if (attempt < 2) {
          resent++;
          continue;
        }
        failures.push({
          what: 'post',
          outcome: cause instanceof Error ? cause.message : String(error),
        });
        return;
      }
    }
  };
  const timer = setInterval(() => {
    inFlight = inFlight.then(post);
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
    resent: () => resent,
  };
}

/** How many acknowledged posts are stored more than once (same source, several rows). */
async function duplicates(url: string, cursor: string, acked: Map<number, string>) {
  const answer = await messagesAfter(url, cursor);
  if (typeof answer === 'number') throw new Error(`the duplicate count got ${answer}`);
  const stored = answer.messages;
  const ours = new Set(acked.values());
  const count = new Map<string, number>();
  for (const row of stored)
    if (ours.has(row.source)) count.set(row.source, (count.get(row.source) ?? 0) + 1);
  return [...count.values()].filter((n) => n > 1).length;
}

/**
 * Starts steady chat traffic through the load balancer, as the ui's users make it: readers of
 * `GET /api/messages`, users posting over REST, and Socket.IO listeners that catch up with
 * the exact catch-up (a cursor) after every reconnect. {@link ChatLoad.stop} counts what failed, what a
 * listener never got, and what was stored twice.
 */
export async function startChatLoad(options: ChatLoadOptions): Promise<ChatLoad> {
  const { url, readers = 8, pageReaders = 1, posters = 4, postIntervalMs = 200 } = options;
  const { listeners = 4 } = options;
  const start = await currentCursor(url);
  const failures: ChatFailure[] = [];
  const acked = new Map<number, string>();
  const tokens = await Promise.all(
    Array.from(
      { length: Math.max(posters, listeners) },
      async () => (await signedInUser(url)).token,
    ),
  );
  const followers = tokens
    .slice(0, listeners)
    .map((token) => new Listener(url, token, start, failures));
  await Promise.all(followers.map((listener) => listener.connected()));
  const loop = (path: string, concurrency: number) =>
    startRequestLoop({
      url: `${url}${path}`,
      concurrency,
      maxRequests: Number.MAX_SAFE_INTEGER,
      maxMs: 30 * 60_000,
    });
  const reads = loop('/api/messages?limit=20', readers);
  const pageReads = loop('/', pageReaders);
  await Promise.all([reads.warm, pageReads.warm]);
  const writers = tokens
    .slice(0, posters)
    .map((token) => startPoster(url, token, postIntervalMs, acked, failures));
  return {
    async stop() {
      await Promise.all(writers.map((writer) => writer.stop()));
      const [readResult, pageResult] = await Promise.all([reads.stop(), pageReads.stop()]);
      const missing = () =>
        followers.reduce(
          (sum, f) => sum + [...acked.keys()].filter((id) => !f.seen.has(id)).length,
          0,
        );
      // Delivery is asynchronous: give the last broadcasts (and catch-ups) a bounded moment.
      await waitFor(() => missing() === 0, { timeoutMs: 15_000, intervalMs: 50 }).catch(
        () => undefined,
      );
      const result: ChatLoadResult = {
        reads: readResult,
        pageReads: pageResult,
        posted: acked.size,
        failures,
        lost: missing(),
        duplicated: await duplicates(url, start, acked),
        reconnects: followers.reduce((sum, f) => sum + f.reconnects, 0),
        resent: writers.reduce((sum, writer) => sum + writer.resent(), 0),
      };
      followers.forEach((listener) => listener.close());
      return result;
    },
  };
}
