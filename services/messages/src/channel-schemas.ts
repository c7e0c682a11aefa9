import { z } from 'zod';
import { INT4_MAX, messageId } from './schemas.js';

const id = z.number().int().min(1).max(INT4_MAX);

/** A channel name: a `#`-style slug, given with or without its `#`, stored without. */
const channelName = z
  .string()
  .regex(
    /^#?[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/,
    'must be 1–80 letters, digits, "_" or "-", starting with a letter or digit',
  )
  .transform((name) => name.replace(/^#/, ''));

/** The largest topic. */
export const MAX_TOPIC = 250;
const topic = z
  .string()
  .max(MAX_TOPIC, `must be at most ${MAX_TOPIC} characters`)
  // PostgreSQL text cannot hold U+0000.
  .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters');

/** `POST /api/channels`: `{name, topic?, private?}`. */
export const newChannelBody = z.object({
  name: channelName,
  topic: topic.default(''),
  private: z.boolean().default(false),
});

/** `PUT /api/channels/:id`: a new name, a new topic, or both. */
export const channelChangeBody = z
  .object({ name: channelName.optional(), topic: topic.optional() })
  .refine(
    (change) => change.name !== undefined || change.topic !== undefined,
    'give a name or a topic to change',
  );

/** `/api/channels/:id…`. */
export const channelParams = z.object({ id: messageId });

/** `POST /api/channels/:id/members` and `POST /api/channels/direct`: `{user_id}`. */
export const userBody = z.object({ user_id: id });

/** `PUT /api/channels/:id/read`: `{message_id}`, the last message I have read. */
export const readBody = z.object({ message_id: id });

/**
 * `GET /api/channels…?nickname=`: my nickname, for mention counts (the messages service does not
 * know nicknames; without it mentions are 0).
 */
export const viewerQuery = z.object({
  nickname: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be a nickname')
    .transform((nickname) => nickname.toLowerCase())
    .optional(),
});
