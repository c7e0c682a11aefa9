import { batch, signal } from '@preact/signals';
import { ApiError, call } from './api/http.js';
import { openSocket, type ChatSocket } from './api/socket.js';
import { Outbox } from './outbox.js';
import type { Session } from './session.js';
import {
  addLatestPage,
  addOlderPage,
  catchUpQuery,
  EMPTY_LIST,
  markDeleted,
  mergeMessages,
  withCursor,
  type MessageList,
} from './state/messages.js';
import { asMessage, asUser, isObject, listOf, type Message, type User } from './state/models.js';
import { activeTypers, noteTyping, stopTyping, type Typer } from './state/typing.js';
import { mergeUsers, unknownUsers, type UserMap } from './state/users.js';

/** What the connection indicator shows. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** How often, and how far apart, a catch-up asks again for changes the API says are pending. */
const PENDING_WAITS = 50;
const PENDING_WAIT_MS = 200;

/** Messages per page: the latest on arrival, then each history page. */
export const PAGE_SIZE = 50;
// The API's largest page: a catch-up reads this many at a time.
const CATCH_UP_PAGE = 500;
// Keeps the user online: the platform marks users offline 60 s after their last sign of life.
const PING_EVERY_MS = 25_000;
// The server passes on at most one typing notice per second per user.
const TYPING_EVERY_MS = 1500;
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/** The notice of a session that ended without the person signing out. */
export const ENDED = 'Your session has ended (it expired or was signed out). Sign in again.';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `cursor` of a listing; undefined from an instance that predates cursors. */
function cursorOf(body: unknown): string | undefined {
  const cursor = isObject(body) ? body['cursor'] : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}

/**
 * The chat of one signed-in tab: the socket, what it has loaded, and the actions of the person.
 * Everything the view shows is a signal here.
 */
export class ChatSession {
  readonly messages = signal<MessageList>(EMPTY_LIST);
  readonly users = signal<UserMap>(new Map());
  readonly typers = signal<Typer[]>([]);
  readonly connection = signal<ConnectionState>('connecting');
  readonly loadingOlder = signal(false);
  /** The last action that failed (edit, delete, history), for an alert. */
  readonly problem = signal<string | undefined>(undefined);

  private readonly socket: ChatSocket;
  private readonly outbox: Outbox;
  /** My posts not confirmed yet. */
  readonly pending: Outbox['pending'];
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly fetchingUsers = new Set<number>();
  private lastTyping = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  // "Offline" only once the browser said so with an `offline` event: `navigator.onLine` alone is
  // false on machines without a default route even though the platform answers (loopback).
  private browserOffline = false;

  /** @param ended called once when the session is over (token refused or expired). */
  constructor(
    readonly session: Session,
    private readonly ended: (notice: string) => void,
  ) {
    this.users.value = mergeUsers(new Map(), [
      {
        id: session.userId,
        nickname: session.nickname,
        online: true,
        updated_at: 0,
        last_seen_at: 0,
      },
    ]);
    this.socket = openSocket(session.token);
    this.outbox = new Outbox({
      socket: this.socket,
      token: session.token,
      arrived: (messages) => this.arrived(messages),
    });
    this.pending = this.outbox.pending;
    this.listen();
    this.timers.push(
      setInterval(() => this.ping(), PING_EVERY_MS),
      setTimeout(() => this.end(), Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1)),
    );
    addEventListener('online', this.wentOnline);
    addEventListener('offline', this.wentOffline);
    void this.loadLatest();
  }

  /** Closes the socket and every timer; the session's signals stay readable. */
  stop(): void {
    this.stopped = true;
    this.socket.disconnect();
    for (const timer of [...this.timers, this.typingTimer]) clearTimeout(timer);
    removeEventListener('online', this.wentOnline);
    removeEventListener('offline', this.wentOffline);
  }

  private end(notice = ENDED): void {
    if (this.stopped) return;
    this.stop();
    this.ended(notice);
  }

  private readonly wentOnline = () => {
    this.browserOffline = false;
    if (this.socket.connected) {
      this.connection.value = 'connected';
    } else {
      this.connection.value = 'reconnecting';
      this.socket.connect();
    }
  };

  private readonly wentOffline = () => {
    this.browserOffline = true;
    this.connection.value = 'offline';
  };

  private lostConnection(): void {
    this.connection.value = this.browserOffline ? 'offline' : 'reconnecting';
  }

  private listen(): void {
    const { socket } = this;
    socket.on('connect', () => this.connected());
    socket.on('disconnect', (reason) => {
      this.lostConnection();
      // After a server-side disconnect Socket.IO does not come back by itself.
      if (reason === 'io server disconnect' && !this.stopped) socket.connect();
    });
    socket.on('connect_error', () => this.lostConnection());
    socket.on('expired_token', () => this.end());
    socket.on('updated_model', ({ class: kind, model }) => {
      if (kind === 'Message') this.arrived(listOf([model], asMessage));
      if (kind === 'User') this.usersArrived(listOf([model], asUser));
    });
    socket.on('deleted_model', ({ id }) => {
      this.messages.value = markDeleted(this.messages.value, id);
    });
    // Broadcasts were lost while Redis was away: the catch-up brings what they carried.
    socket.on('resync', () => {
      if (this.messages.value.loaded) void this.catchUp();
    });
    socket.on('typing', (notice) => {
      if (notice.user_id === this.session.userId) return;
      this.typers.value = noteTyping(
        activeTypers(this.typers.value, Date.now()),
        notice,
        Date.now(),
      );
    });
  }

  private connected(): void {
    this.connection.value = 'connected';
    this.ping();
    this.outbox.flush();
    // Whatever happened while no socket listened comes from the catch-up, after every
    // (re)connect once the first page is in (before it, that page brings everything).
    if (this.messages.value.loaded) void this.catchUp();
  }

  private ping(): void {
    if (this.socket.connected) this.socket.emit('ping_user', this.session.token, () => undefined);
  }

  /** Messages from an event, an ack, a page or a catch-up. */
  private arrived(messages: readonly Message[]): void {
    const before = this.messages.value;
    const fresh = messages.filter((message) => !before.byId.has(message.id));
    batch(() => {
      this.messages.value = mergeMessages(before, messages);
      this.outbox.settleArrived(fresh, this.session.userId);
      for (const message of fresh)
        this.typers.value = stopTyping(this.typers.value, message.user_id);
    });
    this.learnAuthors(messages);
  }

  private usersArrived(users: readonly User[]): void {
    this.users.value = mergeUsers(this.users.value, users);
  }

  /** Fetches, once each, the users whose messages are shown but who are not known yet. */
  private learnAuthors(messages: readonly Message[]): void {
    const ids = unknownUsers(
      this.users.value,
      messages.map((message) => message.user_id),
    );
    for (const id of ids.filter((id) => !this.fetchingUsers.has(id))) {
      this.fetchingUsers.add(id);
      void this.request('GET', `/api/users/${id}`)
        .then((user) => this.usersArrived(listOf([user], asUser)))
        .catch(() => undefined)
        .finally(() => this.fetchingUsers.delete(id));
    }
  }

  /**
   * An authenticated API call, retried with backoff while no answer comes or the platform is
   * briefly unavailable (an instance stopping, the load balancer reloading). A 401 ends the session.
   */
  private async request(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(method, path, { token: this.session.token }, body);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) this.end();
        const transient = error instanceof ApiError && [0, 502, 503, 504].includes(error.status);
        const wait = RETRY_DELAYS_MS[attempt];
        if (!transient || wait === undefined || this.stopped) throw error;
        await delay(wait);
      }
    }
  }

  private async loadLatest(): Promise<void> {
    try {
      const [page, online] = await Promise.all([
        this.request('GET', `/api/messages?limit=${PAGE_SIZE}`),
        this.request('GET', '/api/users?online=1'),
      ]);
      const messages = listOf(isObject(page) ? page['messages'] : undefined, asMessage);
      this.usersArrived(listOf(isObject(online) ? online['users'] : undefined, asUser));
      this.messages.value = withCursor(
        addLatestPage(this.messages.value, messages, PAGE_SIZE),
        cursorOf(page),
      );
      this.learnAuthors(messages);
      if (this.socket.connected) void this.catchUp();
    } catch (error) {
      this.failed('The messages could not be loaded', error);
    }
  }

  /**
   * Everything created, edited or deleted since the last listing's cursor (or, from an instance
   * without cursors, since the newest change heard of), page by page.
   */
  private async catchUp(): Promise<void> {
    try {
      for (let waits = 0; ;) {
        const before = this.messages.value;
        const body = await this.request(
          'GET',
          `/api/messages?${catchUpQuery(before, CATCH_UP_PAGE)}`,
        );
        const page = listOf(isObject(body) ? body['messages'] : undefined, asMessage);
        this.arrived(page);
        this.messages.value = withCursor(this.messages.value, cursorOf(body));
        const after = this.messages.value;
        const moved = after.cursor !== before.cursor || after.since !== before.since;
        // Committed changes held back behind an older transaction: asked for again shortly.
        if (isObject(body) && body['pending'] === true && waits++ < PENDING_WAITS) {
          await new Promise((resolve) => setTimeout(resolve, PENDING_WAIT_MS));
          continue;
        }
        if (page.length < CATCH_UP_PAGE || !moved) break;
      }
      const online = await this.request('GET', '/api/users?online=1');
      const users = listOf(isObject(online) ? online['users'] : undefined, asUser);
      // Whoever the list leaves out went offline while we were away.
      const gone = [...this.users.value.values()].filter(
        (user) => user.online && !users.some((other) => other.id === user.id),
      );
      this.usersArrived([...users, ...gone.map((user) => ({ ...user, online: false }))]);
    } catch (error) {
      this.failed('Catching up failed', error);
    }
  }

  private failed(what: string, error: unknown): void {
    if (this.stopped) return;
    this.problem.value = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder(): Promise<void> {
    const list = this.messages.value;
    if (this.loadingOlder.value || !list.loaded || list.complete || list.oldestId === undefined)
      return;
    this.loadingOlder.value = true;
    try {
      const body = await this.request(
        'GET',
        `/api/messages?before=${list.oldestId}&limit=${PAGE_SIZE}`,
      );
      const page = listOf(isObject(body) ? body['messages'] : undefined, asMessage);
      this.messages.value = addOlderPage(this.messages.value, page, PAGE_SIZE);
      this.learnAuthors(page);
    } catch (error) {
      this.failed('Older messages could not be loaded', error);
    } finally {
      this.loadingOlder.value = false;
    }
  }

  /** Posts a message: pending at once, sent when connected, settled by its ack. */
  post(source: string): void {
    // Posted: a typing notice still due would announce typing that is over.
    clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
    this.outbox.add(source);
  }

  /** Sends a failed post again, under its client id: it cannot be posted twice. */
  retryPost(key: string): void {
    this.outbox.retry(key);
  }

  /** Gives a failed post up. */
  discardPost(key: string): void {
    this.outbox.discard(key);
  }

  /** Replaces the source of one of my messages. @returns whether it was saved. */
  async edit(id: number, source: string): Promise<boolean> {
    try {
      this.arrived(
        listOf([await this.request('PUT', `/api/messages/${id}`, { source })], asMessage),
      );
      return true;
    } catch (error) {
      this.failed('The message could not be saved', error);
      return false;
    }
  }

  /** Deletes one of my messages: it stays as a tombstone. */
  async remove(id: number): Promise<void> {
    try {
      await this.request('DELETE', `/api/messages/${id}`);
      this.messages.value = markDeleted(this.messages.value, id);
    } catch (error) {
      this.failed('The message could not be deleted', error);
    }
  }

  /**
   * Tells the others I am typing, at most once per {@link TYPING_EVERY_MS}: a keystroke inside
   * the window is announced at its end, so the last one is never lost.
   */
  typing(): void {
    const wait = this.lastTyping + TYPING_EVERY_MS - Date.now();
    if (wait <= 0) {
      this.sendTyping();
    } else if (this.typingTimer === undefined) {
      this.typingTimer = setTimeout(() => this.sendTyping(), wait);
    }
  }

  private sendTyping(): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
    if (!this.socket.connected || this.stopped) return;
    this.lastTyping = Date.now();
    this.socket.emit('typing');
  }
}
