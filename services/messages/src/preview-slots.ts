import { withinDeadline } from './address-policy.js';

/** Gives a slot back. */
export type Release = () => void;

/** A counting semaphore: at most `limit` holders, the others wait in arrival order. */
export class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Whether nobody holds or waits for a slot. */
  get idle(): boolean {
    return this.held === 0 && this.waiting.length === 0;
  }

  /** Takes a slot, waiting at most until `signal` aborts (then a `DeadlineError`). */
  async take(signal: AbortSignal): Promise<Release> {
    if (this.held < this.limit) return this.grant();
    let wake: () => void = () => undefined;
    const turn = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.push(wake);
    try {
      await withinDeadline(turn, signal);
    } catch (error) {
      const index = this.waiting.indexOf(wake);
      // Already woken: the slot handed over is passed on.
      if (index === -1) this.release();
      else this.waiting.splice(index, 1);
      throw error;
    }
    return this.grant(false);
  }

  private grant(count = true): Release {
    if (count) this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  // A waiter inherits the slot (the count stays); without one, the slot is free again.
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}

/** Slots per host, each with the same limit; a host's entry goes once nobody uses it. */
export class HostSlots {
  private readonly hosts = new Map<string, Slots>();

  constructor(private readonly limit: number) {}

  /** Takes a slot of `host`, waiting at most until `signal` aborts. */
  async take(host: string, signal: AbortSignal): Promise<Release> {
    let slots = this.hosts.get(host);
    if (!slots) {
      slots = new Slots(this.limit);
      this.hosts.set(host, slots);
    }
    const owner = slots;
    const forget = () => {
      if (owner.idle && this.hosts.get(host) === owner) this.hosts.delete(host);
    };
    try {
      const release = await owner.take(signal);
      return () => {
        release();
        forget();
      };
    } catch (error) {
      forget();
      throw error;
    }
  }

  /** How many hosts have a fetch in flight or waiting. */
  get size(): number {
    return this.hosts.size;
  }
}
