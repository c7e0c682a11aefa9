import { spawn } from 'node:child_process';

/** What a finished command left. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Killed (SIGKILL) after this long. */
  timeoutMs?: number;
  /** Throw when the exit code is not 0 (the default). */
  check?: boolean;
}

/** Runs a command to its end, collecting its output. */
export async function run(
  command: string,
  args: string[],
  { env = {}, cwd, timeoutMs, check = true }: RunOptions = {},
): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (check && code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr || stdout}`);
  }
  return { code, stdout, stderr };
}
