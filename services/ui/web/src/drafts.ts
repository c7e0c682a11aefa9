import { isObject } from './state/models.js';

const KEY = 'microflack.drafts';

/**
 * What I was writing in each channel, kept in `sessionStorage` like the session: switching
 * channels or reloading the tab keeps every draft; closing the tab forgets them.
 */
export class Drafts {
  private readonly texts = new Map<number, string>();

  constructor() {
    try {
      const stored: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? '{}');
      if (!isObject(stored)) return;
      for (const [id, text] of Object.entries(stored)) {
        if (typeof text === 'string') this.texts.set(Number(id), text);
      }
    } catch {
      // Unreadable (or storage refused): start without drafts.
    }
  }

  /** The draft of channel `id` ('' when none). */
  get(id: number): string {
    return this.texts.get(id) ?? '';
  }

  /** Keeps the draft of channel `id`; an empty one is forgotten. */
  set(id: number, text: string): void {
    if (text === '') this.texts.delete(id);
    else this.texts.set(id, text);
    try {
      sessionStorage.setItem(KEY, JSON.stringify(Object.fromEntries(this.texts)));
    } catch {
      // Storage full or refused: the draft lives on in memory.
    }
  }

  /** Forgets every draft (signing out). */
  static clear(): void {
    sessionStorage.removeItem(KEY);
  }
}
