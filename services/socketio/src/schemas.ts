import { z } from 'zod';

// JWTs are a few hundred bytes; anything much longer is not one of ours.
const token = z.string().min(1).max(4096);
// Socket.IO sends an `undefined` argument as null: both mean "use the handshake token".
const optionalToken = token.nullish().transform((value) => value ?? undefined);

const handshakeToken = z.object({ token: token.optional() }).catch({ token: undefined });

/**
 * The handshake's token: `auth.token`, or `query.token` for Socket.IO 2 clients (Engine.IO v3),
 * which have no `auth`; anything else counts as anonymous.
 */
export const handshakeAuth = z
  .object({ auth: z.unknown(), query: z.unknown() })
  .transform(
    ({ auth, query }) => handshakeToken.parse(auth).token ?? handshakeToken.parse(query).token,
  );

/** `ping_user (token?)`. */
export const pingArgs = z.union([z.tuple([]), z.tuple([optionalToken])]);

// messages' `Idempotency-Key` rule (docs/api.md): 1–64 visible ASCII characters, a header value.
const clientId = z
  .string()
  .regex(/^[\x21-\x7e]+$/)
  .max(64);

/**
 * `post_message ({source, client_id?}, token?)`; the source's own rules are the messages
 * service's, the client id must be able to travel as its `Idempotency-Key` header.
 */
const channelId = z
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);

const postPayload = z
  .object({ source: z.string(), channel_id: channelId.nullish(), client_id: clientId.nullish() })
  .transform(({ source, channel_id, client_id }) => ({
    source,
    channel_id: channel_id ?? undefined,
    client_id: client_id ?? undefined,
  }));

/** `post_message ({source, channel_id?, client_id?}, token?)`. */
export const postArgs = z.union([z.tuple([postPayload]), z.tuple([postPayload, optionalToken])]);

const typingPayload = z
  .object({ channel_id: channelId.nullish() })
  .nullish()
  .transform((payload) => ({ channel_id: payload?.channel_id ?? undefined }));

/** `typing ({channel_id?}?)`: clients that predate channels send nothing (#general). */
export const typingArgs = z.union([
  z.tuple([]).transform(() => [{ channel_id: undefined }] as const),
  z.tuple([typingPayload]),
]);
