/** At most one pending wake-up: the watcher's way of looking at the registry again later. */
export class WakeTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly wake: () => void) {}

  /** Wakes in `ms`, unless a wake-up is already pending (that one stands). */
  soon(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, ms);
  }

  /** Wakes in `ms`, in place of any pending wake-up. */
  restart(ms: number): void {
    this.cancel();
    this.soon(ms);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
