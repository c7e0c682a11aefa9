import type { Session } from '../session.js';
import { asUser, isObject } from '../state/models.js';
import { ApiError, call } from './http.js';

const malformed = () => new ApiError(502, 'malformed_answer', 'The answer could not be read.');

/** Who the token belongs to: `GET /api/users/me` (a 401 means the token is no good any more). */
export async function whoAmI(token: string, expiresAt: number): Promise<Session> {
  const user = asUser(await call('GET', '/api/users/me', { token }));
  if (!user) throw malformed();
  return { token, expiresAt, userId: user.id, nickname: user.nickname };
}

/** Signs in: a token from `POST /api/tokens` with Basic credentials, then who it is for. */
export async function signIn(nickname: string, password: string): Promise<Session> {
  const issued = await call('POST', '/api/tokens', { nickname, password });
  if (!isObject(issued)) throw malformed();
  const { token, expires_at } = issued;
  if (typeof token !== 'string' || typeof expires_at !== 'number') throw malformed();
  return whoAmI(token, expires_at);
}

/** Registers a new nickname (`POST /api/users`), then signs in with it. */
export async function register(nickname: string, password: string): Promise<Session> {
  await call('POST', '/api/users', undefined, { nickname, password });
  return signIn(nickname, password);
}

/** Marks me offline (best effort), then revokes with `DELETE <revocation>`. */
async function leave(token: string, revocation: string): Promise<void> {
  await call('DELETE', '/api/users/me', { token }).catch(() => undefined);
  await call('DELETE', revocation, { token });
}

/**
 * Signs out on the platform: offline now, and the token revoked. Best effort: the tab forgets
 * the session whatever happens here.
 */
export async function signOut(token: string): Promise<void> {
  await leave(token, '/api/tokens').catch(() => undefined);
}

/**
 * Signs out everywhere: offline now, and every token of mine revoked (`DELETE /api/tokens?all=1`),
 * so my other tabs and devices are refused within a second. A 401 means it is done already.
 * @throws ApiError when the platform could not revoke them.
 */
export async function signOutEverywhere(token: string): Promise<void> {
  await leave(token, '/api/tokens?all=1').catch((error: unknown) => {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  });
}
