import type Docker from 'dockerode';
import { waitUntil } from '@microflack/common/registry';
import { z } from 'zod';
import type { Say } from '../runtime.js';

const swarmInfo = z.looseObject({
  Swarm: z.looseObject({ LocalNodeState: z.string(), ControlAvailable: z.boolean().optional() }),
});

/** Makes the engine a single-node swarm (advertised on 127.0.0.1) unless it is in one. */
export async function joinSwarm(docker: Docker, say: Say): Promise<void> {
  const { Swarm } = swarmInfo.parse(await docker.info());
  if (Swarm.LocalNodeState === 'active') {
    if (Swarm.ControlAvailable === false) throw new Error('this engine is not a swarm manager');
    return;
  }
  await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
  say('this engine is now a single-node swarm (advertised on 127.0.0.1)');
}

/** Leaves the swarm, and removes the bridge the swarm left behind. */
export async function leaveSwarm(docker: Docker, say: Say): Promise<void> {
  await docker.swarmLeave({ force: true });
  await docker
    .getNetwork('docker_gwbridge')
    .remove()
    .catch(() => undefined); // not there
  say('left the swarm');
}

/**
 * `docker stack rm`, through the API: removes the stack's services, then waits until their
 * containers are gone to remove its networks (and, with `volumes`, its volumes).
 */
export async function removeStack(
  docker: Docker,
  stack: string,
  volumes: boolean,
  say: Say,
): Promise<void> {
  const label = { label: [`com.docker.stack.namespace=${stack}`] };
  for (const service of await docker.listServices({ filters: label }))
    await docker.getService(service.ID).remove();
  await waitUntil(
    async () => (await docker.listContainers({ all: true, filters: label })).length === 0,
    {
      what: `the containers of the stack ${stack} to be gone`,
      timeoutMs: 120_000,
      maxIntervalMs: 1000,
    },
  );
  for (const network of await docker.listNetworks({ filters: label }))
    await docker.getNetwork(network.Id).remove();
  if (volumes) {
    const { Volumes } = await docker.listVolumes({ filters: label });
    for (const volume of Volumes) await docker.getVolume(volume.Name).remove();
  }
  say(`removed the stack ${stack}${volumes ? ' and its volumes' : ''}`);
}
