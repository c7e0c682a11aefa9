// The server passes on at most one typing notice per second per user.
const TYPING_EVERY_MS = 1500;

/**
 * My typing notices, at most one per {@link TYPING_EVERY_MS}: a keystroke inside the window is
 * announced at its end, so the last one is never lost.
 */
export class TypingAnnouncer {
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** @param send emits the notice; false when it could not (no connection). */
  constructor(private readonly send: () => boolean) {}

  /** A keystroke. */
  typing(): void {
    const wait = this.last + TYPING_EVERY_MS - Date.now();
    if (wait <= 0) {
      this.announce();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.announce(), wait);
    }
  }

  /** Drops a notice still due (the message was posted, or the chat stopped). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private announce(): void {
    this.cancel();
    if (this.send()) this.last = Date.now();
  }
}
