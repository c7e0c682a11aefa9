import Docker from 'dockerode';
import type { DockerSettings } from './docker-settings.js';

/** The labels MicroFlack puts on what it runs (docs/operations.md, Docker). */
export const LABELS = {
  service: 'org.microflack.service',
  instance: 'org.microflack.instance',
  version: 'org.microflack.version',
} as const;

/** Compose's own labels, which make a container part of a compose project. */
export const COMPOSE = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
} as const;

/** A client of the engine at DOCKER_HOST (a unix socket), else at the default socket. */
export function connectEngine(settings: DockerSettings): Docker {
  const host = settings.DOCKER_HOST;
  if (host?.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  // tcp:// and the default socket: docker-modem reads DOCKER_HOST and its TLS variables itself.
  return new Docker();
}

/** The tag of an image reference (`microflack/messages:2` → `2`; none: `latest`). Pure. */
export function imageTag(reference: string): string {
  const name = reference.split('@')[0] ?? reference;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : 'latest';
}

/** The image of a service's release. Pure. */
export function serviceImage(service: string, tag: string): string {
  return `microflack/${service}:${tag}`;
}

/**
 * The image of `service` tagged `tag`, as a release: the tag is its version.
 * @throws naming the command that builds it, when the engine does not have it.
 */
export async function imageRelease(docker: Docker, service: string, tag: string) {
  const image = serviceImage(service, tag);
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(`the engine has no image ${image}: build it (admin/mfimages --tag ${tag})`);
  }
  return { service, version: tag, image };
}

/** The address part of `host:port`. Pure. */
export function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}
