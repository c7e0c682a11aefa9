import { batch, signal, type Signal } from '@preact/signals';
import { ApiError } from './api/http.js';
import { callRetrying } from './api/retrying-call.js';
import { openSocket, type ChatSocket } from './api/socket.js';
import { catchUpMessages, readOnline, readPage, withDepartures } from './catch-up.js';
import { ConnectionWatch, type ConnectionState } from './connection.js';
import { Outbox } from './outbox.js';
import type { Session } from './session.js';
import {
  addLatestPage,
  addOlderPage,
  EMPTY_LIST,
  markDeleted,
  mergeMessages,
  withCursor,
  type MessageList,
} from './state/messages.js';
import { asMessage, asUser, listOf, type Message, type User } from './state/models.js';
import { activeTypers, noteTyping, stopTyping, type Typer } from './state/typing.js';
import { mergeUsers, unknownUsers, type UserMap } from './state/users.js';
import { TypingAnnouncer } from './typing-announcer.js';

/** Messages per page: the latest on arrival, then each history page. */
export const PAGE_SIZE = 50;
// Keeps the user online: the platform marks users offline 60 s after their last sign of life.
const PING_EVERY_MS = 25_000;

/** The notice of a session that ended without the person signing out. */
export const ENDED = 'Your session has ended (it expired or was signed out). Sign in again.';

/**
 * The chat of one signed-in tab: the socket, what it has loaded, and the actions of the person.
 * Everything the view shows is a signal here.
 */
export class ChatSession {
  readonly messages = signal<MessageList>(EMPTY_LIST);
  readonly users = signal<UserMap>(new Map());
  readonly typers = signal<Typer[]>([]);
  /** What the connection indicator shows. */
  readonly connection: Signal<ConnectionState>;
  readonly loadingOlder = signal(false);
  /** The last action that failed (edit, delete, history), for an alert. */
  readonly problem = signal<string | undefined>(undefined);

  private readonly socket: ChatSocket;
  private readonly connectionWatch: ConnectionWatch;
  private readonly outbox: Outbox;
  /** My posts not confirmed yet. */
  readonly pending: Outbox['pending'];
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly fetchingUsers = new Set<number>();
  private readonly typingNotices = new TypingAnnouncer(() => this.sendTyping());
  private stopped = false;

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
    this.connectionWatch = new ConnectionWatch(this.socket);
    this.connection = this.connectionWatch.state;
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
    void this.loadLatest();
  }

  /** Closes the socket and every timer; the session's signals stay readable. */
  stop(): void {
    this.stopped = true;
    this.socket.disconnect();
    for (const timer of this.timers) clearTimeout(timer);
    this.typingNotices.cancel();
    this.connectionWatch.stop();
  }

  private end(notice = ENDED): void {
    if (this.stopped) return;
    this.stop();
    this.ended(notice);
  }

  private listen(): void {
    const { socket } = this;
    socket.on('connect', () => this.connected());
    socket.on('disconnect', (reason) => {
      this.connectionWatch.lost();
      // After a server-side disconnect Socket.IO does not come back by itself.
      if (reason === 'io server disconnect' && !this.stopped) socket.connect();
    });
    socket.on('connect_error', () => this.connectionWatch.lost());
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
    this.connectionWatch.connected();
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
   * An authenticated API call, retried while the platform is briefly unavailable
   * (api/retrying-call.ts). A 401 ends the session.
   */
  private async request(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    try {
      return await callRetrying(method, path, this.session.token, body, () => this.stopped);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.end();
      throw error;
    }
  }

  private async loadLatest(): Promise<void> {
    try {
      const [page, online] = await Promise.all([
        this.request('GET', `/api/messages?limit=${PAGE_SIZE}`).then(readPage),
        this.request('GET', '/api/users?online=1').then(readOnline),
      ]);
      this.usersArrived(online);
      this.messages.value = withCursor(
        addLatestPage(this.messages.value, page.messages, PAGE_SIZE),
        page.cursor,
      );
      this.learnAuthors(page.messages);
      if (this.socket.connected) void this.catchUp();
    } catch (error) {
      this.failed('The messages could not be loaded', error);
    }
  }

  /** What happened while no socket listened: the messages, then who is online now. */
  private async catchUp(): Promise<void> {
    try {
      await catchUpMessages({
        get: (path) => this.request('GET', path),
        messages: this.messages,
        arrived: (messages) => this.arrived(messages),
      });
      const online = readOnline(await this.request('GET', '/api/users?online=1'));
      this.usersArrived(withDepartures(this.users.value, online));
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
      const path = `/api/messages?before=${list.oldestId}&limit=${PAGE_SIZE}`;
      const page = readPage(await this.request('GET', path)).messages;
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
    this.typingNotices.cancel();
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

  /** Tells the others I am typing (throttled: typing-announcer.ts). */
  typing(): void {
    this.typingNotices.typing();
  }

  private sendTyping(): boolean {
    if (!this.socket.connected || this.stopped) return false;
    this.socket.emit('typing');
    return true;
  }
}
