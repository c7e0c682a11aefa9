import { signal } from '@preact/signals';
import type { ChatSocket } from './api/socket.js';
import { GENERAL_ID } from './state/models.js';
import { activeTypers, noteTyping, stopTyping, type Typer } from './state/typing.js';
import { TypingAnnouncer } from './typing-announcer.js';

/** What typing needs from its chat. */
export interface TypingDeps {
  socket: ChatSocket;
  myId: number;
  /** The channel on the screen: where I type. */
  shown: () => number;
  /** Whether channel `id` is mine (others' notices are not for me). */
  mine: (id: number) => boolean;
  stopped: () => boolean;
}

/** Who is typing where (the `typing` events), and my own notices, throttled. */
export class TypingWatch {
  readonly typers = signal<Typer[]>([]);
  private readonly notices = new TypingAnnouncer(() => this.send());

  constructor(private readonly deps: TypingDeps) {
    deps.socket.on('typing', (notice) => {
      // A server that predates channels names none: #general.
      const channelId = notice.channel_id ?? GENERAL_ID;
      if (notice.user_id === deps.myId || !deps.mine(channelId)) return;
      const now = Date.now();
      const typers = activeTypers(this.typers.value, now);
      this.typers.value = noteTyping(typers, { ...notice, channel_id: channelId }, now);
    });
  }

  /** Someone's message arrived: they are done typing it. */
  posted(userId: number): void {
    this.typers.value = stopTyping(this.typers.value, userId);
  }

  /** A keystroke of mine. */
  typing(): void {
    this.notices.typing();
  }

  /** Drops my notice still due (I posted, or the chat stopped). */
  cancel(): void {
    this.notices.cancel();
  }

  private send(): boolean {
    const { socket, shown, stopped } = this.deps;
    if (!socket.connected || stopped()) return false;
    const id = shown();
    // In #general with no payload, as before channels: a server of any age takes it.
    if (id === GENERAL_ID) socket.emit('typing');
    else socket.emit('typing', { channel_id: id });
    return true;
  }
}
