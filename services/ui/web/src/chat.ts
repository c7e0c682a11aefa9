import { batch, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { sessionRequest, type Request } from './api/session-request.js';
import { openSocket, type ChatSocket } from './api/socket.js';
import { ChannelDirectory } from './channel-directory.js';
import { ChannelLogs, type ChannelLog } from './channel-logs.js';
import { ChannelReader } from './channel-reader.js';
import { ConnectionWatch, type ConnectionState } from './connection.js';
import { Drafts } from './drafts.js';
import { Outbox } from './outbox.js';
import { People } from './people.js';
import { channelInPath, pathOf } from './route.js';
import type { Session } from './session.js';
import { mergeMessages, newestId, type MessageList } from './state/messages.js';
import { asMessage, asUser, GENERAL_ID, listOf, type Message } from './state/models.js';
import type { Typer } from './state/typing.js';
import type { UserMap } from './state/users.js';
import { TypingWatch } from './typing-watch.js';

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
  /** Everyone heard of, by id. */
  readonly users: Signal<UserMap>;
  /** Who is typing, where. */
  readonly typers: Signal<Typer[]>;
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
  private readonly typingWatch: TypingWatch;
  private readonly logs = new ChannelLogs(channelInPath(location.pathname));
  private readonly reader: ChannelReader;
  /** An authenticated call of the API; a 401 ends the session. */
  private readonly request: Request;
  private readonly people: People;
  private readonly onHistory = () => this.show(channelInPath(location.pathname));
  private stopped = false;

  /** @param ended called once when the session is over (token refused or expired). */
  constructor(
    readonly session: Session,
    private readonly ended: (notice: string) => void,
  ) {
    this.request = sessionRequest(
      session.token,
      () => this.stopped,
      () => this.end(),
    );
    this.people = new People({
      get: (path) => this.request('GET', path),
      me: { id: session.userId, nickname: session.nickname },
    });
    this.users = this.people.users;
    this.channelId = this.logs.shown;
    this.messages = this.logs.messages;
    this.loadingOlder = this.logs.loadingOlder;
    this.directory = new ChannelDirectory({
      request: this.request,
      userId: session.userId,
      nickname: session.nickname,
      shown: () => this.channelId.value,
      open: (id) => this.open(id),
      failed: (what, error) => this.failed(what, error),
    });
    this.reader = new ChannelReader({
      get: (path) => this.request('GET', path),
      logs: this.logs,
      arrived: (messages) => this.arrived(messages),
      paged: (messages) => this.people.learnAuthors(messages),
      connected: () => this.socket.connected,
      missing: (id) => this.missing(id),
      failed: (what, error) => this.failed(what, error),
    });
    this.socket = openSocket(session.token);
    this.typingWatch = new TypingWatch({
      socket: this.socket,
      myId: session.userId,
      shown: () => this.channelId.value,
      mine: (id) => this.mine(id),
      stopped: () => this.stopped,
    });
    this.typers = this.typingWatch.typers;
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
    this.people.online().catch((error: unknown) => this.failed('Who is online is unknown', error));
    void this.loadChannels();
    void this.loadLatest(this.channelId.value);
  }

  /** Closes the socket and every timer; the session's signals stay readable. */
  stop(): void {
    this.stopped = true;
    removeEventListener('popstate', this.onHistory);
    this.socket.disconnect();
    for (const timer of this.timers) clearTimeout(timer);
    this.typingWatch.cancel();
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
      if (kind === 'User') this.people.arrived(listOf([model], asUser));
      if (kind === 'Channel') this.directory.changed(model);
    });
    socket.on('deleted_model', ({ id }) => this.logs.deleted(id));
    // Broadcasts were lost while Redis was away: the catch-up brings what they carried.
    socket.on('resync', () => this.caughtUpAfterAbsence());
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

  /** My channels and their counts; the shown one is read (its page may have come first). */
  private async loadChannels(): Promise<void> {
    await this.directory.load();
    this.read();
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
      for (const message of fresh) this.typingWatch.posted(message.user_id);
      this.directory.counted(fresh);
    });
    if (fresh.some((message) => message.channel_id === this.channelId.value)) this.read();
    this.people.learnAuthors(kept);
  }

  /** The shown channel is read up to its newest message. */
  private read(): void {
    const id = this.channelId.value;
    this.directory.seen(id, newestId(this.logs.log(id).messages.value));
  }

  private async loadLatest(id: number): Promise<void> {
    await this.reader.latest(id);
    if (id === this.channelId.value) this.read();
  }

  /** What happened in channel `id` while no socket listened, then who is online now. */
  private async catchUp(id: number): Promise<void> {
    try {
      await this.reader.catchUp(id);
      await this.people.online();
    } catch (error) {
      this.failed('Catching up failed', error);
    }
  }

  /** A channel I may not see (an old link, one I left): back to #general, saying why. */
  private missing(id: number): void {
    if (id !== this.channelId.value || id === GENERAL_ID) return;
    this.problem.value = `There is no channel ${id}, or it is not one you can see.`;
    history.replaceState(null, '', pathOf(GENERAL_ID));
    this.show(GENERAL_ID);
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
    void this.directory.learnMembership(id);
    const log = this.logs.opened(id);
    if (!log) {
      void this.loadLatest(id);
      return;
    }
    this.read();
    if (log.messages.value.loaded) void this.catchUp(id);
  }

  /** The log of the shown channel: its messages and where the reader was. */
  get shownLog(): ChannelLog {
    return this.logs.log(this.channelId.value);
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder(): Promise<void> {
    await this.reader.older(this.channelId.value);
  }

  /** Posts a message: pending at once, sent when connected, settled by its ack. */
  post(source: string): void {
    // Posted: a typing notice still due would announce typing that is over.
    this.typingWatch.cancel();
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

  /** Tells the others I am typing in the shown channel (throttled: typing-announcer.ts). */
  typing(): void {
    this.typingWatch.typing();
  }
}
