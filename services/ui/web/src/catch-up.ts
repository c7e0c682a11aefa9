import type { Signal } from '@preact/signals';
import { catchUpQuery, withCursor, type MessageList } from './state/messages.js';
import { asMessage, asUser, isObject, listOf, type Message, type User } from './state/models.js';
import type { UserMap } from './state/users.js';

/** How often, and how far apart, a catch-up asks again for changes the API says are pending. */
const PENDING_WAITS = 50;
const PENDING_WAIT_MS = 200;
// The API's largest page: a catch-up reads this many at a time.
const CATCH_UP_PAGE = 500;

/** A page of `GET /api/messages`. */
export interface MessagePage {
  messages: Message[];
  /** Undefined from an instance that predates cursors. */
  cursor: string | undefined;
  /** Committed changes wait behind an older transaction: ask again shortly. */
  pending: boolean;
}

/** Reads a page of `GET /api/messages`, leaving out what is not a message. */
export function readPage(body: unknown): MessagePage {
  const fields = isObject(body) ? body : {};
  const cursor = fields['cursor'];
  return {
    messages: listOf(fields['messages'], asMessage),
    cursor: typeof cursor === 'string' ? cursor : undefined,
    pending: fields['pending'] === true,
  };
}

/** Reads `GET /api/users?online=1`. */
export function readOnline(body: unknown): User[] {
  return listOf(isObject(body) ? body['users'] : undefined, asUser);
}

/** The online list after an absence: whoever it leaves out went offline while we were away. */
export function withDepartures(known: UserMap, online: readonly User[]): User[] {
  const gone = [...known.values()].filter(
    (user) => user.online && !online.some((other) => other.id === user.id),
  );
  return [...online, ...gone.map((user) => ({ ...user, online: false }))];
}

/** What a catch-up needs from its chat. */
export interface CatchUpDeps {
  /** An authenticated `GET` of the API. */
  get: (path: string) => Promise<unknown>;
  /** The channel whose messages these are. */
  channelId: number;
  messages: Signal<MessageList>;
  /** Messages the catch-up brought. */
  arrived: (messages: readonly Message[]) => void;
}

/**
 * Everything created, edited or deleted in a channel since the last listing's cursor (or, from an instance
 * without cursors, since the newest change heard of), page by page.
 */
export async function catchUpMessages(deps: CatchUpDeps): Promise<void> {
  const { get, channelId, messages, arrived } = deps;
  for (let waits = 0; ;) {
    const before = messages.value;
    const query = catchUpQuery(before, CATCH_UP_PAGE);
    const page = readPage(await get(`/api/messages?channel_id=${channelId}&${query}`));
    arrived(page.messages);
    messages.value = withCursor(messages.value, page.cursor);
    const after = messages.value;
    const moved = after.cursor !== before.cursor || after.since !== before.since;
    // Committed changes held back behind an older transaction: asked for again shortly.
    if (page.pending && waits++ < PENDING_WAITS) {
      await new Promise((resolve) => setTimeout(resolve, PENDING_WAIT_MS));
      continue;
    }
    if (page.messages.length < CATCH_UP_PAGE || !moved) break;
  }
}
