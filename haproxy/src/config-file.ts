import { execFile } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The outcome of `haproxy -c`: valid, or the reason HAProxy gave. */
export type Validation = { valid: true } | { valid: false; reason: string };

/** Checks a configuration file with `haproxy -c` (what HAProxy itself would say on reload). */
export async function validateConfig(haproxy: string, file: string): Promise<Validation> {
  try {
    await run(haproxy, ['-c', '-q', '-f', file], { timeout: 60_000 });
    return { valid: true };
  } catch (error) {
    const { stderr, stdout, message } = error as {
      stderr?: string;
      stdout?: string;
      message: string;
    };
    const reason = [stderr, stdout].filter(Boolean).join('\n').trim() || message;
    return { valid: false, reason };
  }
}

/** Writes `text` next to `file` and renames it over `file`, so readers never see half a file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
