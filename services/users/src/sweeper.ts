import type { Logger } from '@microflack/common';

/**
 * Runs `sweep` every `intervalMs`, never two at once. Every instance runs one; the sweep itself
 * is what makes that safe (each change is applied by one statement in one instance).
 */
export class Sweeper {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sweep: () => Promise<number>,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    // The sweeper alone must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweep()
      .then((count) => {
        if (count > 0) this.logger.info({ count }, 'marked idle users offline');
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'sweep failed'))
      .finally(() => (this.running = undefined));
  }

  /** Stops sweeping and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
