import { isObject } from './state/models.js';

/** Who is signed in in this tab, and until when. */
export interface Session {
  token: string;
  /** Unix milliseconds. */
  expiresAt: number;
  userId: number;
  nickname: string;
}

const KEY = 'microflack.session';

/**
 * The session kept in `sessionStorage`: it survives a reload of this tab and nothing else (a
 * new tab signs in on its own, closing the tab forgets it).
 */
export function loadSession(): Session | undefined {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (!isObject(value)) return undefined;
    const { token, expiresAt, userId, nickname } = value;
    if (typeof token !== 'string' || typeof nickname !== 'string') return undefined;
    if (typeof expiresAt !== 'number' || typeof userId !== 'number') return undefined;
    return { token, expiresAt, userId, nickname };
  } catch {
    return undefined;
  }
}

/** Remembers the session for reloads of this tab. */
export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

/** Forgets the session. */
export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
