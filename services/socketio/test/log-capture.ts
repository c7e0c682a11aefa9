import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { waitFor } from '@microflack/common/testing';

const line = z.looseObject({ msg: z.string() });

/** A logger whose lines are kept, so tests can wait on what the service says it did. */
export function capturingLogger(): {
  logger: Logger;
  lines: z.infer<typeof line>[];
  waitForLine(msg: string, fields?: Record<string, unknown>): Promise<void>;
} {
  const lines: z.infer<typeof line>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line.parse(JSON.parse(text)));
      }
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const matches = (msg: string, fields: Record<string, unknown>) =>
    lines.some(
      (entry) =>
        entry.msg === msg && Object.entries(fields).every(([key, value]) => entry[key] === value),
    );
  return {
    logger,
    lines,
    async waitForLine(msg, fields = {}) {
      await waitFor(() => matches(msg, fields), { what: `log line "${msg}"` });
    },
  };
}
