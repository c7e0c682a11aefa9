import { signal } from '@preact/signals';
import { ApiError } from './api/http.js';
import type { Request } from './api/session-request.js';
import {
  asChannel,
  channelChanged,
  channelSeen,
  channelsListed,
  countArrival,
  withMembership,
  type Channel,
  type ChannelMap,
  type Reader,
} from './state/channels.js';
import { GENERAL_ID, isObject, listOf, type Message } from './state/models.js';

/** What the directory needs from its chat. */
export interface DirectoryDeps {
  request: Request;
  userId: number;
  nickname: string;
  /** The channel on the screen. */
  shown: () => number;
  /** Shows channel `id`. */
  open: (id: number) => void;
  /** An action of mine failed: the chat says so. */
  failed: (what: string, error: unknown) => void;
}

/**
 * The channels I can see, with my unread and mention counts, and what I do with them: create,
 * join, leave, invite, direct messages, read pointers.
 */
export class ChannelDirectory {
  readonly channels = signal<ChannelMap>(new Map());
  /** Whether the first listing came. */
  readonly loaded = signal(false);
  /** Per channel, the newest message my read pointer was moved to. */
  private readonly readTo = new Map<number, number>();

  constructor(private readonly deps: DirectoryDeps) {}

  private parse(value: unknown): Channel | undefined {
    return asChannel(value, this.deps.userId);
  }

  /** Lists my channels afresh (on start and after every reconnect). */
  async load(): Promise<void> {
    const { request, nickname } = this.deps;
    await this.attempt('The channels could not be loaded', async () => {
      const body = await request('GET', `/api/channels?nickname=${encodeURIComponent(nickname)}`);
      const listed = listOf(isObject(body) ? body['channels'] : undefined, (v) => this.parse(v));
      this.channels.value = channelSeen(
        channelsListed(this.channels.value, listed),
        this.deps.shown(),
      );
      this.loaded.value = true;
    });
  }

  /** A channel as `updated_model` or an answer of the API brought it. */
  changed(value: unknown): Channel | undefined {
    const channel = this.parse(value);
    if (channel) this.channels.value = channelChanged(this.channels.value, channel);
    return channel;
  }

  /**
   * Fetches channel `id` afresh when my membership of it is unknown (a public channel heard of
   * by broadcast), so that the view offers to join it or to write in it.
   */
  async learnMembership(id: number): Promise<void> {
    const channel = this.channels.value.get(id);
    if (!channel || channel.member !== undefined) return;
    const query = `nickname=${encodeURIComponent(this.deps.nickname)}`;
    await this.attempt('The channel could not be read', async () => {
      this.changed(await this.deps.request('GET', `/api/channels/${id}?${query}`));
    });
  }

  /** Messages heard of for the first time: unread (and mentions) in the channels not shown. */
  counted(fresh: readonly Message[]): void {
    const { userId, nickname } = this.deps;
    const reader: Reader = { userId, nickname, shown: this.deps.shown() };
    let channels = this.channels.value;
    for (const message of fresh) channels = countArrival(channels, message, reader);
    this.channels.value = channels;
  }

  /** Whether channel `id` is one I may see. */
  has(id: number): boolean {
    return this.channels.value.has(id);
  }

  /**
   * I read channel `id` up to message `newest`: its counts go, and my read pointer follows. The
   * answer also tells whether I am in it (403: not a member).
   */
  seen(id: number, newest: number | undefined): void {
    this.channels.value = channelSeen(this.channels.value, id);
    const channel = this.channels.value.get(id);
    if (!channel || channel.member === false || newest === undefined) return;
    if ((this.readTo.get(id) ?? 0) >= newest) return;
    this.readTo.set(id, newest);
    this.deps.request('PUT', `/api/channels/${id}/read`, { message_id: newest }).then(
      () => this.learnt(id, true),
      (error: unknown) => {
        this.readTo.delete(id);
        if (error instanceof ApiError && error.code === 'not_a_member') this.learnt(id, false);
      },
    );
  }

  private learnt(id: number, member: boolean): void {
    this.channels.value = withMembership(this.channels.value, id, member);
  }

  /** Creates a channel (I am its first member). @throws ApiError (409 `name_taken`, 400). */
  async create(name: string, topic: string, isPrivate: boolean): Promise<Channel | undefined> {
    const body = { name, topic, private: isPrivate };
    return this.changed(await this.deps.request('POST', '/api/channels', body));
  }

  /** Joins a public channel: I may write in it. */
  async join(id: number): Promise<void> {
    await this.attempt('Joining failed', async () => {
      await this.deps.request('PUT', `/api/channels/${id}/members/me`);
      this.learnt(id, true);
    });
  }

  /** Leaves a channel; a private one disappears from my list, and #general is shown. */
  async leave(id: number): Promise<void> {
    await this.attempt('Leaving failed', async () => {
      await this.deps.request('DELETE', `/api/channels/${id}/members/me`);
      if (this.channels.value.get(id)?.kind !== 'private') return this.learnt(id, false);
      const next = new Map(this.channels.value);
      next.delete(id);
      this.channels.value = next;
      this.deps.open(GENERAL_ID);
    });
  }

  /** Adds user `userId` to channel `id`. */
  async invite(id: number, userId: number): Promise<void> {
    await this.attempt('Adding them failed', () =>
      this.deps.request('POST', `/api/channels/${id}/members`, { user_id: userId }),
    );
  }

  /** Opens my direct messages with user `userId` (made the first time). */
  async directTo(userId: number): Promise<void> {
    await this.attempt('The direct messages could not be opened', async () => {
      const body = { user_id: userId };
      const channel = this.changed(await this.deps.request('POST', '/api/channels/direct', body));
      if (channel) this.deps.open(channel.id);
    });
  }

  private async attempt(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.deps.failed(what, error);
    }
  }
}
