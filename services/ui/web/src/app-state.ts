import { signal } from '@preact/signals';
import { signOut, signOutEverywhere } from './api/auth.js';
import { ChatSession, ENDED } from './chat.js';
import { Drafts } from './drafts.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';

/** The chat of the signed-in person; undefined shows the sign-in form. */
export const chat = signal<ChatSession | undefined>(undefined);
/** A notice for the sign-in form (why you are back there). */
export const notice = signal<string | undefined>(undefined);

function endSession(text: string): void {
  chat.value?.stop();
  clearSession();
  Drafts.clear();
  chat.value = undefined;
  notice.value = text;
}

/** Starts the chat for a fresh or resumed session. */
export function beginSession(session: Session): void {
  saveSession(session);
  notice.value = undefined;
  chat.value = new ChatSession(session, endSession);
}

/** Revokes the token, marks me offline, and goes back to the form. */
export async function signOutNow(): Promise<void> {
  const current = chat.value;
  if (!current) return;
  current.stop();
  await signOut(current.session.token);
  endSession('You have signed out.');
}

/**
 * Revokes every token of mine (my other tabs and devices are signed out too) and goes back to the
 * form. Should the platform fail to, this tab signs out alone and says so.
 */
export async function signOutEverywhereNow(): Promise<void> {
  const current = chat.value;
  if (!current) return;
  current.stop();
  try {
    await signOutEverywhere(current.session.token);
    endSession('You have signed out everywhere.');
  } catch (error) {
    await signOut(current.session.token);
    const reason = error instanceof Error ? error.message : String(error);
    endSession(`You have signed out here only: signing out everywhere failed (${reason}).`);
  }
}

/**
 * On load: the session of this tab, if any, goes on at once, without a round trip to check it
 * first: the chat's first calls carry the token, and a refused one (401) ends the session with
 * a notice.
 */
export function resume(): void {
  const stored = loadSession();
  if (!stored) return;
  if (stored.expiresAt <= Date.now()) endSession(ENDED);
  else beginSession(stored);
}
