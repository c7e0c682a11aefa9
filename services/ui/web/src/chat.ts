import { batch, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { ApiError, call } from './api/http.js';
import { callRetrying } from './api/retrying-call.js';
import { openSocket, type ChatSocket } from './api/socket.js';
import { catchUpMessages, readOnline, readPage, withDepartures } from './catch-up.js';
import { ChannelDirectory } from './channel-directory.js';
import { ChannelLogs, type ChannelLog } from './channel-logs.js';
import { ConnectionWatch, type ConnectionState } from './connection.js';
import { Drafts } from './drafts.js';
import { Outbox } from './outbox.js';
import { channelInPath, pathOf } from './route.js';
import type { Session } from './session.js';
import {
  addLatestPage,
  addOlderPage,
  mergeMessages,
  newestId,
  withCursor,
  type MessageList,
} from './state/messages.js';
import { asMessage, asUser, GENERAL_ID, listOf, type Message, type User } from './state/models.js';
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
  /** The channel on the screen (the address bar says `/c/<id>`). */
  readonly channelId: Signal<number>;
  /** The shown channel's messages. */
  readonly messages: ReadonlySignal<MessageList>;
  /** The channels I see, with my counts, and what I do with them. */
  readonly directory: ChannelDirectory;
  /** My unsent text, per channel. */
  readonly drafts = new Drafts();
  readonly users = signal<UserMap>(new Map());
  readonly typers = signal<Typer[]>([]);
  /** What the connection indicator shows. */
  readonly connection: Signal<ConnectionState>;
  readonly loadingOlder: ReadonlySignal<boolean>;
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
  private readonly logs = new ChannelLogs(channelInPath(location.pathname));
  private readonly onHistory = () => this.show(channelInPath(location.pathname));
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
    this.channelId = this.logs.shown;
    this.messages = this.logs.messages;
    this.loadingOlder = this.logs.loadingOlder;
    this.directory = new ChannelDirectory({
      request: (method, path, body) => this.request(method, path, body),
      userId: session.userId,
      nickname: session.nickname,
      shown: () => this.channelId.value,
    });
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
    addEventListener('popstate', this.onHistory);
    void this.loadOnline();
    void this.loadChannels();
    void this.loadLatest(this.channelId.value);
  }

  /** Closes the socket and every timer; the session's signals stay readable. */
  stop(): void {
    this.stopped = true;
    removeEventListener('popstate', this.onHistory);
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
      if (kind === 'Channel') this.directory.changed(model);
    });
    socket.on('deleted_model', ({ id }) => this.logs.deleted(id));
    // Broadcasts were lost while Redis was away: the catch-up brings what they carried.
    socket.on('resync', () => this.caughtUpAfterAbsence());
    socket.on('typing', (notice) => {
      const channelId = notice.channel_id ?? GENERAL_ID;
      if (notice.user_id === this.session.userId || !this.mine(channelId)) return;
      this.typers.value = noteTyping(
        activeTypers(this.typers.value, Date.now()),
        { ...notice, channel_id: channelId },
        Date.now(),
      );
    });
  }

  private connected(): void {
    this.connectionWatch.connected();
    this.ping();
    this.outbox.flush();
    this.caughtUpAfterAbsence();
  }

  /**
   * Whatever happened while no socket listened: the shown channel's changes come from its
   * catch-up, once its first page is in (before it, that page brings everything); my channels'
   * counts from a new listing.
   */
  private caughtUpAfterAbsence(): void {
    if (this.messages.value.loaded) void this.catchUp(this.channelId.value);
    if (this.directory.loaded.value) void this.loadChannels();
  }

  /** Whether channel `id` is shown or one of mine: events of any other are not for me. */
  private mine(id: number): boolean {
    return id === this.channelId.value || this.directory.has(id);
  }

  private ping(): void {
    if (this.socket.connected) this.socket.emit('ping_user', this.session.token, () => undefined);
  }

  /**
   * Messages from an event, an ack, a page or a catch-up, into the logs of their channels.
   * Those of a channel not opened here count as unread; those of a channel that is not mine
   * are not for me.
   */
  private arrived(messages: readonly Message[]): void {
    const kept = messages.filter((message) => this.mine(message.channel_id));
    const fresh: Message[] = [];
    batch(() => {
      for (const message of kept) {
        const log = this.logs.opened(message.channel_id);
        if (log?.messages.value.byId.has(message.id) !== true) fresh.push(message);
        if (log) log.messages.value = mergeMessages(log.messages.value, [message]);
      }
      this.outbox.settleArrived(fresh, this.session.userId);
      for (const message of fresh)
        this.typers.value = stopTyping(this.typers.value, message.user_id);
      this.directory.counted(fresh);
    });
    if (fresh.some((message) => message.channel_id === this.channelId.value)) this.read();
    this.learnAuthors(kept);
  }

  /** The shown channel is read up to its newest message. */
  private read(): void {
    const id = this.channelId.value;
    this.directory.seen(id, newestId(this.logs.log(id).messages.value));
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
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    const { token } = this.session;
    try {
      // A POST is not retried: it might have been carried out.
      if (method === 'POST') return await call(method, path, { token }, body);
      return await callRetrying(method, path, token, body, () => this.stopped);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.end();
      throw error;
    }
  }

  private async loadOnline(): Promise<void> {
    try {
      this.usersArrived(readOnline(await this.request('GET', '/api/users?online=1')));
    } catch (error) {
      this.failed('Who is online could not be loaded', error);
    }
  }

  private async loadChannels(): Promise<void> {
    try {
      await this.directory.load();
    } catch (error) {
      this.failed('The channels could not be loaded', error);
    }
  }

  /** The latest page of channel `id`; a channel I may not see sends me back to #general. */
  private async loadLatest(id: number): Promise<void> {
    const log = this.logs.log(id);
    log.started = true;
    try {
      const path = `/api/messages?channel_id=${id}&limit=${PAGE_SIZE}`;
      const page = readPage(await this.request('GET', path));
      log.messages.value = withCursor(
        addLatestPage(log.messages.value, page.messages, PAGE_SIZE),
        page.cursor,
      );
      this.learnAuthors(page.messages);
      if (id === this.channelId.value) this.read();
      if (this.socket.connected) void this.catchUp(id);
    } catch (error) {
      log.started = false;
      if (error instanceof ApiError && error.status === 404 && id !== GENERAL_ID) {
        this.problem.value = `There is no channel ${id}, or it is not one you can see.`;
        history.replaceState(null, '', pathOf(GENERAL_ID));
        this.show(GENERAL_ID);
      } else {
        this.failed('The messages could not be loaded', error);
      }
    }
  }

  /** What happened in channel `id` while no socket listened, then who is online now. */
  private async catchUp(id: number): Promise<void> {
    try {
      await catchUpMessages({
        get: (path) => this.request('GET', path),
        channelId: id,
        messages: this.logs.log(id).messages,
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

  /** Opens channel `id`: a new entry in the tab's history (Back returns to the last one). */
  open(id: number): void {
    if (id === this.channelId.value) return;
    history.pushState(null, '', pathOf(id));
    this.show(id);
  }

  /** Shows channel `id`: its log as it was left, brought up to date, or its latest page. */
  private show(id: number): void {
    if (id === this.channelId.value) return;
    this.channelId.value = id;
    void this.attempt('The channel could not be read', () => this.directory.learnMembership(id));
    const log = this.logs.opened(id);
    if (!log) {
      void this.loadLatest(id);
      return;
    }
    this.read();
    if (log.messages.value.loaded) void this.catchUp(id);
  }

  /** Opens my direct messages with user `userId` (made the first time). */
  async directTo(userId: number): Promise<void> {
    await this.attempt('The direct messages could not be opened', async () => {
      const channel = await this.directory.direct(userId);
      if (channel) this.open(channel.id);
    });
  }

  /** Joins channel `id` (public): I may write in it. */
  async join(id: number): Promise<void> {
    await this.attempt('Joining failed', () => this.directory.join(id));
  }

  /** Leaves channel `id`, and goes back to #general when it was private (I cannot read it). */
  async leave(id: number): Promise<void> {
    const wasPrivate = this.directory.channels.value.get(id)?.kind === 'private';
    await this.attempt('Leaving failed', async () => {
      await this.directory.leave(id);
      if (wasPrivate) this.open(GENERAL_ID);
    });
  }

  /** Adds user `userId` to channel `id`. */
  async invite(id: number, userId: number): Promise<void> {
    await this.attempt('Adding them failed', () => this.directory.invite(id, userId));
  }

  private async attempt(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.failed(what, error);
    }
  }

  /** The log of the shown channel: its messages and where the reader was. */
  get shownLog(): ChannelLog {
    return this.logs.log(this.channelId.value);
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder(): Promise<void> {
    const id = this.channelId.value;
    const log = this.logs.log(id);
    const list = log.messages.value;
    if (log.loadingOlder.value || !list.loaded || list.complete || list.oldestId === undefined)
      return;
    log.loadingOlder.value = true;
    try {
      const path = `/api/messages?channel_id=${id}&before=${list.oldestId}&limit=${PAGE_SIZE}`;
      const page = readPage(await this.request('GET', path)).messages;
      log.messages.value = addOlderPage(log.messages.value, page, PAGE_SIZE);
      this.learnAuthors(page);
    } catch (error) {
      this.failed('Older messages could not be loaded', error);
    } finally {
      log.loadingOlder.value = false;
    }
  }

  /** Posts a message: pending at once, sent when connected, settled by its ack. */
  post(source: string): void {
    // Posted: a typing notice still due would announce typing that is over.
    this.typingNotices.cancel();
    this.outbox.add(source, this.channelId.value);
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
      this.logs.deleted(id);
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
    const id = this.channelId.value;
    // In #general with no payload, as before channels: a server of any age takes it.
    if (id === GENERAL_ID) this.socket.emit('typing');
    else this.socket.emit('typing', { channel_id: id });
    return true;
  }
}
