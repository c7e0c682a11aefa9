/** `#general`: channel 1, every user is in it (docs/api.md, channels). */
export const GENERAL_ID = 1;

/** A message as the API and the `updated_model` event carry it (docs/api.md, messages). */
export interface Message {
  id: number;
  /** Its channel; a server that predates channels sends none: `#general`. */
  channel_id: number;
  user_id: number;
  source: string;
  html: string;
  created_at: number;
  updated_at: number;
  deleted: boolean;
  /** Set by the client when it saw the source change (the API does not say). */
  edited?: boolean;
}

/** A user as the API and the `updated_model` event carry it (docs/api.md, users). */
export interface User {
  id: number;
  nickname: string;
  online: boolean;
  updated_at: number;
  last_seen_at: number;
}

/** Whether `value` is an object whose fields can be read. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether `value` is a safe integer. */
export const isInt = (value: unknown): value is number => Number.isSafeInteger(value);

/** The message in `value`, or undefined when it does not have a message's shape. */
export function asMessage(value: unknown): Message | undefined {
  if (!isObject(value)) return undefined;
  const { id, user_id, source, html, created_at, updated_at, deleted } = value;
  if (!isInt(id) || !isInt(user_id) || !isInt(created_at) || !isInt(updated_at)) return undefined;
  if (typeof source !== 'string' || typeof html !== 'string' || typeof deleted !== 'boolean') {
    return undefined;
  }
  const channel_id = isInt(value['channel_id']) ? value['channel_id'] : GENERAL_ID;
  return { id, channel_id, user_id, source, html, created_at, updated_at, deleted };
}

/** The user in `value`, or undefined when it does not have a user's shape. */
export function asUser(value: unknown): User | undefined {
  if (!isObject(value)) return undefined;
  const { id, nickname, online, updated_at, last_seen_at } = value;
  if (!isInt(id) || typeof nickname !== 'string' || typeof online !== 'boolean') return undefined;
  if (!isInt(updated_at)) return undefined;
  return { id, nickname, online, updated_at, last_seen_at: isInt(last_seen_at) ? last_seen_at : 0 };
}

/** Every well-formed item of `list` (a malformed one is skipped, never shown half-way). */
export function listOf<T>(list: unknown, parse: (value: unknown) => T | undefined): T[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const parsed = parse(item);
    return parsed === undefined ? [] : [parsed];
  });
}
