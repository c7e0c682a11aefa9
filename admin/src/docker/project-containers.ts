import type Docker from 'dockerode';
import type { InstanceRecord } from '@microflack/common/registry';
import { SERVICES } from '../catalog.js';
import { COMPOSE, hostOf, imageTag, LABELS } from './engine.js';

/** One container of a service in the compose project. */
export interface ServiceContainer {
  /** The engine's container id. */
  container: string;
  name: string;
  service: string;
  /** Its compose number (`<project>_<service>_<number>`). */
  number: number;
  /** The instance id: its label, else the registered instance at its address; else its name. */
  instance: string;
  /** The release: its version label, else its image's tag. */
  version: string;
  created: number;
  running: boolean;
  /** Its addresses on the project's networks. */
  addresses: string[];
  networks: string[];
}

/** The project's service containers (running or not), oldest first. */
export async function serviceContainers(
  docker: Docker,
  project: string,
  registered: readonly InstanceRecord[],
): Promise<ServiceContainer[]> {
  const listed = await docker.listContainers({
    all: true,
    filters: { label: [`${COMPOSE.project}=${project}`] },
  });
  const byHost = new Map(registered.map((instance) => [hostOf(instance.address), instance.id]));
  const names = new Set(SERVICES.map((service) => service.name));
  return listed
    .filter((info) => names.has(info.Labels[COMPOSE.service] ?? ''))
    .map((info): ServiceContainer => {
      const networks = Object.entries(info.NetworkSettings.Networks);
      const addresses = networks.map(([, network]) => network.IPAddress).filter(Boolean);
      const name = (info.Names[0] ?? info.Id).replace(/^\//, '');
      const fromRegistry = addresses.map((address) => byHost.get(address)).find(Boolean);
      return {
        container: info.Id,
        name,
        service: info.Labels[COMPOSE.service] ?? '',
        number: Number(info.Labels[COMPOSE.number] ?? 0),
        instance: info.Labels[LABELS.instance] ?? fromRegistry ?? name,
        version: info.Labels[LABELS.version] ?? imageTag(info.Image),
        created: info.Created,
        running: info.State === 'running',
        addresses,
        networks: networks.map(([network]) => network),
      };
    })
    .sort((a, b) => a.created - b.created || a.number - b.number);
}

/** The container running instance `id`. @throws when there is none. */
export function containerOf(containers: readonly ServiceContainer[], id: string): ServiceContainer {
  const found = containers.find((container) => container.instance === id);
  if (!found) throw new Error(`no container runs the instance ${id}`);
  return found;
}
