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

/** `post_message ({source}, token?)`; the source's own rules are the messages service's. */
export const postArgs = z.union([
  z.tuple([z.object({ source: z.string() })]),
  z.tuple([z.object({ source: z.string() }), optionalToken]),
]);

/** `typing ()`. */
export const typingArgs = z.tuple([]);
