import { execFile } from 'node:child_process';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The outcome of `haproxy -c`: valid, or the reason HAProxy gave. */
export type Validation = { valid: true } | { valid: false; reason: string };

/** Checks a configuration file with `haproxy -c` (what HAProxy itself would say on reload). */
export async function validateConfig(haproxy: string, file: string): Promise<Validation> {
  try {
    await run(haproxy, ['-c', '-f', file], { timeout: 60_000 });
    return { valid: true };
  } catch (error) {
    const {
      stderr = '',
      stdout = '',
      message,
    } = error as NodeJS.ErrnoException & {
      stderr?: string;
      stdout?: string;
    };
    // HAProxy's reasons are its ALERT lines; NOTICE and WARNING lines are noise here.
    const output = `${stderr}\n${stdout}`.split('\n');
    const alerts = output.filter((line) => line.includes('[ALERT]'));
    return { valid: false, reason: (alerts.length > 0 ? alerts.join('\n') : message).trim() };
  }
}

/**
 * Writes `text` to `file`, readable by its owner only: haproxy.cfg holds the stats password, and
 * the server-state file every instance's address.
 */
export async function writePrivately(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600); // `mode` applies only when the file is created
}

/** Writes `text` next to `file` (owner only) and renames it over `file`: never half a file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writePrivately(temporary, text);
  await rename(temporary, file);
}
