import { z } from 'zod';

const composeConfig = z.looseObject({
  services: z.record(z.string(), z.looseObject({ ports: z.array(z.string()).optional() })),
});

/** A published port in the long syntax, in host mode: no routing mesh, no IPVS needed. */
interface HostPort {
  target: number;
  published: number;
  protocol: string;
  mode: 'host';
}

/**
 * A port of `docker-compose config` (`[ip:]published:target[/protocol]`) in host mode. The host
 * IP goes: the swarm binds a host-mode port on every interface of the node. Pure.
 */
export function hostPort(port: string): HostPort {
  const match = /^(?:[\d.]+:)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(port);
  if (!match) throw new Error(`cannot publish the port "${port}" in host mode`);
  const [, published, target, protocol = 'tcp'] = match;
  return { target: Number(target), published: Number(published), protocol, mode: 'host' };
}

/** Keys a stack deploy refuses (`depends_on` with conditions) or ignores with a warning. */
const COMPOSE_ONLY = ['depends_on', 'restart', 'container_name', 'build'];

/**
 * The stack file of the platform: the output of `docker-compose -f compose.yaml -f
 * compose.swarm.yaml config` (merged, variables resolved) with what an override cannot say:
 * the file format a stack deploy reads, ports in host mode, no compose-only keys. Pure.
 */
export function swarmStackFile(config: unknown): Record<string, unknown> {
  const parsed = composeConfig.parse(config);
  const services = Object.fromEntries(
    Object.entries(parsed.services).map(([name, service]) => {
      const kept = Object.fromEntries(
        Object.entries(service).filter(([key]) => !COMPOSE_ONLY.includes(key)),
      );
      if (service.ports) kept['ports'] = service.ports.map(hostPort);
      return [name, kept];
    }),
  );
  return { ...parsed, version: '3.8', services };
}
