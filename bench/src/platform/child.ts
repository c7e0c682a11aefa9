import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** A baseline server the benchmark started as a child process. */
export interface BaselineServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Forks `script` (a file of bench/dist/, with `args`) and resolves once it sent the port it
 * listens on, over the IPC channel.
 */
export async function forkBaseline(script: string, args: string[]): Promise<BaselineServer> {
  const child = fork(fileURLToPath(new URL(`../${script}`, import.meta.url)), args);
  const [port] = (await once(child, 'message')) as [unknown];
  if (typeof port !== 'number' || port === 0) throw new Error(`${script} did not start`);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
