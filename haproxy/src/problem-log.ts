import type { Logger } from '@microflack/common';

/** Logs each ignored registry entry once, one line each, for as long as it stays. */
export class ProblemLog {
  private logged = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** The problems of the registry as read now: the new ones are logged. */
  update(problems: readonly string[]): void {
    for (const problem of problems)
      if (!this.logged.has(problem)) this.logger.warn({ problem }, 'registry entry ignored');
    this.logged = new Set(problems);
  }
}
