import { setTimeout } from 'node:timers/promises';
import { errorBody } from '@microflack/common';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';

/** One request of the load and how it ended. */
export interface Outcome {
  kind: 'read' | 'post' | 'sign-in';
  at: number;
  ok: boolean;
  /** The status, or the network error's reason. */
  detail: string;
}

/** A message post the platform acknowledged (201). */
export interface Acked {
  source: string;
  id: number;
  at: number;
}

const message = z.object({ id: z.number(), source: z.string(), updated_at: z.number() });
type Message = z.infer<typeof message>;
const messagePage = z.object({ messages: z.array(message) });
const changesPage = z.object({
  messages: z.array(message),
  cursor: z.string(),
  pending: z.boolean().optional(),
});
const tokenBody = z.object({ token: z.string() });
const modelEvent = z.object({ class: z.string(), model: z.unknown() });

/** How much load the suite sends: steady, well under the posting rate limit. */
const READ_EVERY_MS = 25;
const POST_EVERY_MS = 100;
const SIGN_IN_EVERY_MS = 1000;
const WRITERS = 4;
const CLIENTS = 4;
const CATCH_UP_PAGE = 500;

const basic = (name: string) => `Basic ${Buffer.from(`${name}:secret-${name}`).toString('base64')}`;

/** `text` as JSON, or the text itself when it is not JSON (an HTML error page). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function reason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** A Socket.IO client that keeps the messages it heard of, and catches up like the ui. */
class ChatClient {
  readonly seen = new Map<number, Message>();
  failedCatchUps = 0;
  private cursor: string;
  private readonly socket: Socket;

  constructor(
    private readonly load: Load,
    startCursor: string,
  ) {
    this.cursor = startCursor;
    this.socket = io(load.url, {
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
    });
    this.socket.on('connect', () => void this.catchUp());
    // Broadcasts were lost while Redis was away: caught up as after a reconnect.
    this.socket.on('resync', () => void this.catchUp());
    this.socket.on('disconnect', (why) => {
      load.disconnections.push({ at: Date.now(), reason: why });
      if (why === 'io server disconnect') this.socket.connect();
    });
    this.socket.on('updated_model', (payload: unknown) => {
      const event = modelEvent.safeParse(payload);
      if (!event.success || event.data.class !== 'Message') return;
      const parsed = message.safeParse(event.data.model);
      if (parsed.success) this.heard([parsed.data]);
    });
  }

  private heard(messages: readonly Message[]): void {
    for (const m of messages) this.seen.set(m.id, m);
  }

  /** Every change after the cursor of its last catch-up, exactly, page by page (as the ui does). */
  private async catchUp(): Promise<void> {
    try {
      for (let waits = 0; ;) {
        const page = await this.load.changesAfter(this.cursor, CATCH_UP_PAGE);
        this.heard(page.messages);
        this.cursor = page.cursor;
        // Committed changes held back behind an older transaction: asked for again shortly.
        if (page.pending === true && waits++ < 50) await setTimeout(100);
        else if (page.messages.length < CATCH_UP_PAGE) return;
      }
    } catch {
      this.failedCatchUps++;
    }
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The steady load of the suite, all through the load balancer: reads of the latest messages,
 * posts by a few users (each acknowledged one remembered), sign-ins (which need Redis), and
 * Socket.IO clients that catch up with the exact cursor after each (re)connect and `resync`.
 */
export class Load {
  readonly outcomes: Outcome[] = [];
  readonly acked: Acked[] = [];
  /** Sources of posts that got no answer: they may or may not have been stored. */
  readonly unanswered = new Set<string>();
  /** Every disconnect of a Socket.IO client, with Socket.IO's reason. */
  readonly disconnections: { at: number; reason: string }[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly clients: ChatClient[] = [];
  private tokens: string[] = [];
  private posted = 0;
  private signIns = 0;

  private constructor(readonly url: string) {}

  /** Registers the writers, gets their tokens, connects the clients and starts the timers. */
  static async start(url: string): Promise<Load> {
    const load = new Load(url);
    const startedAt = Date.now();
    const names = Array.from({ length: WRITERS }, (_, n) => `faults${n}x${startedAt % 100_000}`);
    for (const nickname of names) {
      const response = await fetch(`${url}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nickname, password: `secret-${nickname}` }),
      });
      if (response.status !== 201) throw new Error(`registering ${nickname}: ${response.status}`);
    }
    load.tokens = await Promise.all(names.map((name) => load.signIn(name)));
    const { cursor } = changesPage.parse(await (await fetch(`${url}/api/messages?limit=1`)).json());
    for (let n = 0; n < CLIENTS; n++) load.clients.push(new ChatClient(load, cursor));
    load.timers.push(
      setInterval(() => void load.read(), READ_EVERY_MS),
      setInterval(() => void load.post(), POST_EVERY_MS),
      setInterval(
        () => void load.signIn(names[load.signIns++ % names.length] ?? ''),
        SIGN_IN_EVERY_MS,
      ),
    );
    return load;
  }

  /** Sends one request, records its outcome; resolves with the body of a success. */
  private async request(kind: Outcome['kind'], path: string, init: RequestInit, expected: number) {
    const at = Date.now();
    try {
      const response = await fetch(`${this.url}${path}`, {
        ...init,
        signal: AbortSignal.timeout(5000),
      });
      const text = await response.text();
      const body = parseJson(text);
      const ok = response.status === expected;
      const failure = ok ? undefined : errorBody.safeParse(body).data?.code;
      this.outcomes.push({
        kind,
        at,
        ok,
        detail: `${response.status}${failure ? ` ${failure}` : ''}`,
      });
      return ok ? body : undefined;
    } catch (error) {
      this.outcomes.push({ kind, at, ok: false, detail: reason(error) });
      return undefined;
    }
  }

  private async read(): Promise<void> {
    await this.request('read', '/api/messages?limit=20', {}, 200);
  }

  private async signIn(name: string): Promise<string> {
    const init = { method: 'POST', headers: { authorization: basic(name) } };
    const body = await this.request('sign-in', '/api/tokens', init, 200);
    return body === undefined ? '' : tokenBody.parse(body).token;
  }

  private async post(): Promise<void> {
    const n = this.posted++;
    const source = `fault load ${n}`;
    const init = {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.tokens[n % this.tokens.length] ?? ''}`,
      },
      body: JSON.stringify({ source }),
    };
    const at = Date.now();
    const body = await this.request('post', '/api/messages', init, 201);
    if (body === undefined) this.unanswered.add(source);
    else this.acked.push({ source, id: message.parse(body).id, at });
  }

  /** One page of the messages changed at or after `since` (a request outside the counted load). */
  async messagesSince(since: number, limit: number): Promise<Message[]> {
    const response = await fetch(`${this.url}/api/messages?updated_since=${since}&limit=${limit}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (response.status !== 200) throw new Error(`catch-up: ${response.status}`);
    return messagePage.parse(await response.json()).messages;
  }

  /** One page of the exact catch-up after `cursor` (a request outside the counted load). */
  async changesAfter(cursor: string, limit: number): Promise<z.infer<typeof changesPage>> {
    const query = new URLSearchParams({ cursor, limit: String(limit) });
    const response = await fetch(`${this.url}/api/messages?${query.toString()}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (response.status !== 200) throw new Error(`catch-up: ${response.status}`);
    return changesPage.parse(await response.json());
  }

  /** Every message stored since `since`, read page by page. */
  async allMessagesSince(since: number): Promise<Message[]> {
    const all = new Map<number, Message>();
    let from = since;
    for (;;) {
      const page = await this.messagesSince(from, CATCH_UP_PAGE);
      for (const m of page) all.set(m.id, m);
      const last = page.at(-1)?.updated_at ?? from;
      if (page.length < CATCH_UP_PAGE || last === from) return [...all.values()];
      from = last;
    }
  }

  /** What each Socket.IO client has seen, and whether its catch-ups failed. */
  clientViews(): { seen: ReadonlyMap<number, Message>; failedCatchUps: number }[] {
    return this.clients;
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const client of this.clients) client.close();
  }
}
