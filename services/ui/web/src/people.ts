import { signal } from '@preact/signals';
import { readOnline, withDepartures } from './catch-up.js';
import { asUser, listOf, type Message, type User } from './state/models.js';
import { mergeUsers, unknownUsers, type UserMap } from './state/users.js';

/** What the people of a chat need from it. */
export interface PeopleDeps {
  /** An authenticated `GET` of the API. */
  get: (path: string) => Promise<unknown>;
  /** Me: online from the start (I am here). */
  me: { id: number; nickname: string };
}

/** Everyone the chat has heard of: who is online, and the authors of the messages shown. */
export class People {
  readonly users = signal<UserMap>(new Map());
  private readonly fetching = new Set<number>();

  constructor(private readonly deps: PeopleDeps) {
    const { id, nickname } = deps.me;
    this.arrived([{ id, nickname, online: true, updated_at: 0, last_seen_at: 0 }]);
  }

  /** Users from the API or an `updated_model` event. */
  arrived(users: readonly User[]): void {
    this.users.value = mergeUsers(this.users.value, users);
  }

  /** Who is online now; whoever was online and is not any more went offline while I was away. */
  async online(): Promise<void> {
    const online = readOnline(await this.deps.get('/api/users?online=1'));
    this.arrived(withDepartures(this.users.value, online));
  }

  /** Fetches, once each, the users whose messages are shown but who are not known yet. */
  learnAuthors(messages: readonly Message[]): void {
    const ids = unknownUsers(
      this.users.value,
      messages.map((message) => message.user_id),
    );
    for (const id of ids.filter((id) => !this.fetching.has(id))) {
      this.fetching.add(id);
      void this.deps
        .get(`/api/users/${id}`)
        .then((user) => this.arrived(listOf([user], asUser)))
        .catch(() => undefined)
        .finally(() => this.fetching.delete(id));
    }
  }
}
