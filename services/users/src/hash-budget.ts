import { HttpError } from '@microflack/common';

/**
 * Caps the bcrypt work one instance has in hand (running or waiting for a thread): bcrypt is the
 * costliest thing the platform does, and an unbounded queue of it would make every request wait.
 * Past the cap a request is answered at once with a 503 `busy` and `Retry-After`.
 */
export class HashBudget {
  private pending = 0;

  /** @param maxPending hashes and comparisons in hand at most (`USERS_BCRYPT_MAX_PENDING`). */
  constructor(private readonly maxPending: number) {}

  /** Runs `work` within the budget. @throws HttpError 503 `busy` when the budget is spent. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.pending >= this.maxPending) {
      throw new HttpError(503, 'busy', 'Too many sign-ins and sign-ups at once; try again.', {
        'Retry-After': '1',
      });
    }
    this.pending++;
    try {
      return await work();
    } finally {
      this.pending--;
    }
  }
}
