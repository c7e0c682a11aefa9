import { createConnection } from 'node:net';
import { backOff } from '@microflack/common';

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT']);

/** Whether a socket error means "HAProxy is busy (re)starting", worth trying again. */
export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as NodeJS.ErrnoException).code ?? '');
}

/**
 * A client of one of HAProxy's command sockets (the master CLI or a worker's admin stats socket),
 * in non-interactive mode: one connection per command line, answered whole. A socket is
 * unreachable for a moment while HAProxy reloads, so every command has a deadline and
 * {@link commandWhenUp} retries.
 */
export class CliSocket {
  constructor(
    readonly path: string,
    protected readonly timeoutMs = 2000,
  ) {}

  /** Sends one command line (several commands may be joined by `;`) and returns the answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(this.path);
      const chunks: Buffer[] = [];
      socket.setTimeout(this.timeoutMs, () =>
        socket.destroy(Object.assign(new Error(`no answer to "${line}"`), { code: 'ETIMEDOUT' })),
      );
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
      // HAProxy answers once it sees the end of our input (non-interactive mode).
      socket.end(`${line}\n`);
    });
  }

  /** {@link command}, retried while the socket is away (a reload), for up to `timeoutMs`. */
  async commandWhenUp(line: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.command(line);
      } catch (error) {
        if (!isRetryable(error) || Date.now() > deadline) throw error;
        await backOff(Math.min(attempt, 3), { baseMs: 10, maxMs: 80 });
      }
    }
  }
}
