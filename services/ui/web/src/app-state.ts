import { signal } from '@preact/signals';
import { ApiError } from './api/http.js';
import { signOut, whoAmI } from './api/auth.js';
import { ChatSession } from './chat.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';

/** The chat of the signed-in person; undefined shows the sign-in form. */
export const chat = signal<ChatSession | undefined>(undefined);
/** A notice for the sign-in form (why you are back there). */
export const notice = signal<string | undefined>(undefined);
/** Whether a stored session is being checked (on a reload). */
export const resuming = signal(false);

function endSession(text: string): void {
  chat.value?.stop();
  clearSession();
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
 * On load: the session of this tab, if any, is checked with the platform first. A refused
 * token is back to the form with a notice; no answer at all keeps the session (the socket will
 * reconnect when the platform is back).
 */
export async function resume(): Promise<void> {
  const stored = loadSession();
  if (!stored) return;
  resuming.value = true;
  try {
    beginSession(await whoAmI(stored.token, stored.expiresAt));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      endSession('Your session has ended (it expired or was signed out). Sign in again.');
    } else {
      beginSession(stored);
    }
  } finally {
    resuming.value = false;
  }
}
