import type Docker from 'dockerode';

/**
 * Kills the processes of a container from inside, as a crash would (tini, PID 1, then exits with
 * the signal): a kill through the engine counts as a manual stop, which restart policies leave alone.
 */
export async function crashContainer(docker: Docker, container: string): Promise<void> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: ['sh', '-c', 'kill -KILL -1'], User: 'microflack' });
  await exec.start({ Detach: true });
}
