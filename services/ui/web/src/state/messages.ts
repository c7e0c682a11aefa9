import type { Message } from './models.js';

/**
 * The messages the client holds: a window of the history from `oldestId` to the newest, kept
 * by id, each at its latest known version.
 */
export interface MessageList {
  readonly byId: ReadonlyMap<number, Message>;
  /** The oldest message of the window; older ones come in pages (`before=`). */
  readonly oldestId: number | undefined;
  /** Whether the window reaches the first message ever posted. */
  readonly complete: boolean;
  /** Whether the latest page has been loaded. */
  readonly loaded: boolean;
  /** The newest `updated_at` heard from the server: the `updated_since` of the next catch-up. */
  readonly since: number;
  /**
   * Where the next catch-up starts, exactly (the `cursor` of the last listing); undefined until
   * a listing brought one (an instance older than cursors answers without), then `since` serves.
   */
  readonly cursor: string | undefined;
}

/** Nothing loaded yet. */
export const EMPTY_LIST: MessageList = {
  byId: new Map(),
  oldestId: undefined,
  complete: false,
  loaded: false,
  since: 0,
  cursor: undefined,
};

/** Which of two versions of one message to keep: deletion is final, otherwise the newer. */
function newer(known: Message | undefined, incoming: Message): Message {
  if (!known) return incoming;
  if (known.deleted)
    return incoming.deleted && incoming.updated_at > known.updated_at ? incoming : known;
  if (incoming.deleted) return incoming;
  if (incoming.updated_at < known.updated_at) return known;
  // Seen changing here: an edit, whatever the timestamps say.
  const edited = known.edited === true || incoming.source !== known.source;
  return edited ? { ...incoming, edited: true } : incoming;
}

/** Whether `id` falls inside the window (a message older than it waits for its page). */
function inWindow(list: MessageList, id: number): boolean {
  return !list.loaded || list.complete || list.oldestId === undefined || id >= list.oldestId;
}

/**
 * Merges messages from a live event or a catch-up: each is kept at its newest version (so a
 * message heard twice is shown once), deletions stick, and one older than the window is left
 * for its history page (adding it would leave a hole above it).
 */
export function mergeMessages(list: MessageList, incoming: readonly Message[]): MessageList {
  if (incoming.length === 0) return list;
  const byId = new Map(list.byId);
  let since = list.since;
  for (const message of incoming) {
    since = Math.max(since, message.updated_at);
    if (!byId.has(message.id) && !inWindow(list, message.id)) continue;
    byId.set(message.id, newer(byId.get(message.id), message));
  }
  return { ...list, byId, since };
}

/**
 * Adds the latest page (`GET /api/messages?limit=N`, oldest first): it opens the window, which
 * reaches the beginning when the page came back short.
 */
export function addLatestPage(
  list: MessageList,
  page: readonly Message[],
  limit: number,
): MessageList {
  const merged = mergeMessages({ ...list, loaded: false }, page);
  const oldestId = page[0]?.id;
  const complete = page.length < limit;
  const byId = new Map(
    [...merged.byId].filter(([id]) => complete || oldestId === undefined || id >= oldestId),
  );
  return { ...merged, byId, oldestId: complete ? undefined : oldestId, complete, loaded: true };
}

/** Adds a history page (`before=oldestId`), widening the window down to its first message. */
export function addOlderPage(
  list: MessageList,
  page: readonly Message[],
  limit: number,
): MessageList {
  const merged = mergeMessages({ ...list, complete: true }, page);
  const complete = page.length < limit;
  const first = page[0]?.id;
  return {
    ...merged,
    complete,
    oldestId: complete ? undefined : Math.min(first ?? Infinity, list.oldestId ?? Infinity),
  };
}

/** Keeps the cursor a listing brought; a listing without one (an older instance) keeps the last. */
export function withCursor(list: MessageList, cursor: string | undefined): MessageList {
  return cursor === undefined || cursor === list.cursor ? list : { ...list, cursor };
}

/**
 * The query of the next catch-up page: the cursor (exact, in commit order) and `updated_since`,
 * which instances that predate cursors answer instead.
 */
export function catchUpQuery(list: MessageList, limit: number): string {
  const cursor = list.cursor === undefined ? '' : `&cursor=${encodeURIComponent(list.cursor)}`;
  return `updated_since=${list.since}${cursor}&limit=${limit}`;
}

/** A `deleted_model` event: the message becomes a tombstone (it is not in the window: nothing). */
export function markDeleted(list: MessageList, id: number): MessageList {
  const known = list.byId.get(id);
  if (!known || known.deleted) return list;
  const byId = new Map(list.byId);
  byId.set(id, { ...known, deleted: true, source: '', html: '' });
  return { ...list, byId };
}

// A link preview lands within seconds of the post (its fetch times out after 2 s) and ends the
// html with its blockquote; a later change to a message without one can only be an edit.
const PREVIEW_WINDOW_MS = 5000;
const ENDS_WITH_PREVIEW = /<\/blockquote>\s*$/;

/**
 * Whether to mark a message "edited". The API has no edit time, and `updated_at` also moves
 * when a preview is added: a change seen live counts, and so does a late change that is no preview.
 */
export function isEdited(message: Message): boolean {
  if (message.deleted) return false;
  if (message.edited === true) return true;
  return (
    message.updated_at - message.created_at > PREVIEW_WINDOW_MS &&
    !ENDS_WITH_PREVIEW.test(message.html)
  );
}

/** The messages in the order they were posted. */
export function inOrder(list: MessageList): Message[] {
  return [...list.byId.values()].sort((a, b) => a.id - b.id);
}

/** The id of the newest message held (undefined: none). */
export function newestId(list: MessageList): number | undefined {
  let newest: number | undefined;
  for (const id of list.byId.keys()) if (newest === undefined || id > newest) newest = id;
  return newest;
}

/** The user's newest message that can still be edited (what Up in an empty composer edits). */
export function lastEditable(list: MessageList, userId: number): Message | undefined {
  return inOrder(list).findLast((message) => message.user_id === userId && !message.deleted);
}
