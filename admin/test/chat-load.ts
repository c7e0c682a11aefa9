import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { errorBody, type ServerToClientEvents } from '@microflack/common';
import { uniqueNickname } from '@microflack/common/testing';

/** One request of the load that did not get its 2xx. */
export interface LoadFailure {
  what: string;
  /** The status, or the error's message when there was no answer. */
  outcome: number | string;
  at: number;
}

const messageBody = z.object({ id: z.number(), updated_at: z.number() });
const messagesBody = z.object({ messages: z.array(messageBody) });
const tokenBody = z.object({ token: z.string() });

/** A chat user of the load: the credentials and the token it posts with. */
interface Poster {
  credentials: string;
  token: string;
}

/**
 * A chat client as the ui holds one: a Socket.IO connection through the load balancer that
 * collects every message broadcast to it, and on every (re)connect catches up with
 * `GET /api/messages?updated_since=` the messages it may have missed while away.
 */
class ChatClient {
  readonly seen = new Set<number>();
  connects = 0;
  private lastUpdate: number;
  private readonly socket: Socket<ServerToClientEvents>;

  constructor(
    private readonly load: ChatLoad,
    token: string,
  ) {
    this.lastUpdate = Date.now();
    this.socket = io(load.url, {
      auth: { token },
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on('updated_model', (event) => {
      if (event.class === 'Message') this.saw(messageBody.parse(event.model));
    });
    this.socket.on('connect', () => {
      this.connects++;
      void this.catchUp();
    });
  }

  private saw(message: z.infer<typeof messageBody>): void {
    this.seen.add(message.id);
    this.lastUpdate = Math.max(this.lastUpdate, message.updated_at);
  }

  /** Pages through `updated_since` (inclusive, deduplicated by id) from the last update seen. */
  private async catchUp(): Promise<void> {
    for (;;) {
      const since = this.lastUpdate;
      const body = await this.load.get(
        `/api/messages?updated_since=${since}&limit=500`,
        'catch-up',
      );
      const { messages } = messagesBody.parse(body ?? { messages: [] });
      messages.forEach((message) => this.saw(message));
      if (messages.length < 500 || this.lastUpdate === since) return;
    }
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Steady mixed load on a whole platform through its load balancer: back-to-back REST reads of
 * every service, paced message posts by several users (under their rate limit), token requests,
 * and Socket.IO clients. Every request that does not answer 2xx is a {@link LoadFailure}.
 */
export class ChatLoad {
  readonly failures: LoadFailure[] = [];
  /** The ids of the posts that were acknowledged (201). */
  readonly posted = new Set<number>();
  requests = 0;
  private readonly clients: ChatClient[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readers: Promise<void>[] = [];
  private stopping = false;

  private constructor(readonly url: string) {}

  /** Registers `posters` users, connects `sockets` clients and starts the load. */
  static async start(
    url: string,
    { posters, sockets, readers }: { posters: number; sockets: number; readers: number },
  ): Promise<ChatLoad> {
    const load = new ChatLoad(url);
    const users = await Promise.all(Array.from({ length: posters }, () => load.newPoster()));
    for (let n = 0; n < sockets; n++)
      load.clients.push(new ChatClient(load, users[n % users.length]?.token ?? ''));
    // A user may post 10 messages a second: 6 stays under it whatever the jitter.
    for (const user of users) load.timers.push(setInterval(() => void load.post(user), 170));
    let next = 0;
    const signIn = () => void load.token(users[next++ % users.length]?.credentials ?? '');
    load.timers.push(setInterval(signIn, 500));
    load.readers = Array.from({ length: readers }, (_, n) => load.read(n));
    return load;
  }

  /** Sends one request; records a failure and answers undefined unless it is a 2xx. */
  async send(path: string, what: string, init: RequestInit = {}): Promise<unknown> {
    this.requests++;
    try {
      const response = await fetch(`${this.url}${path}`, init);
      const text = await response.text();
      const json = response.headers.get('content-type')?.includes('json') === true;
      const body: unknown = json ? JSON.parse(text) : text;
      if (response.ok) return body;
      const code = errorBody.safeParse(body);
      const outcome = code.success ? `${response.status} ${code.data.code}` : response.status;
      this.failures.push({ what, outcome, at: Date.now() });
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      const outcome = cause instanceof Error ? cause.message : String(error);
      this.failures.push({ what, outcome, at: Date.now() });
    }
    return undefined;
  }

  get(path: string, what = `GET ${path}`): Promise<unknown> {
    return this.send(path, what);
  }

  private async newPoster(): Promise<Poster> {
    const nickname = uniqueNickname();
    const password = 'operations-password';
    const json = { 'content-type': 'application/json' };
    await this.send('/api/users', 'POST /api/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ nickname, password }),
    });
    const credentials = `Basic ${Buffer.from(`${nickname}:${password}`).toString('base64')}`;
    const token = tokenBody.parse(await this.token(credentials)).token;
    return { credentials, token };
  }

  private token(credentials: string): Promise<unknown> {
    return this.send('/api/tokens', 'POST /api/tokens', {
      method: 'POST',
      headers: { authorization: credentials },
    });
  }

  private async post(user: Poster): Promise<void> {
    const body = await this.send('/api/messages', 'POST /api/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ source: `load ${this.requests}` }),
    });
    if (body !== undefined) this.posted.add(messageBody.parse(body).id);
  }

  /** One reader: back-to-back reads of messages, users and the ui's page. */
  private async read(offset: number): Promise<void> {
    const paths = ['/api/messages?limit=20', '/api/users', '/api/messages?limit=5', '/'];
    for (let n = offset; !this.stopping; n++) await this.get(paths[n % paths.length] ?? '/');
  }

  /** Of `posted` (acknowledged posts), those that some client has neither received nor caught up. */
  missing(posted: readonly number[]): { client: number; ids: number[] }[] {
    return this.clients
      .map((client, n) => ({ client: n, ids: posted.filter((id) => !client.seen.has(id)) }))
      .filter((entry) => entry.ids.length > 0);
  }

  /** How many times the clients connected in all (the first connections included). */
  connects(): number {
    return this.clients.reduce((sum, client) => sum + client.connects, 0);
  }

  /** Stops the load and closes the clients. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timers.forEach(clearInterval);
    await Promise.all(this.readers);
    this.clients.forEach((client) => client.close());
  }
}
