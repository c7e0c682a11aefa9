import type Docker from 'dockerode';
import { z } from 'zod';

/** What the swarm runtime reads and changes of a service's spec; the rest passes through. */
export const serviceSpec = z.looseObject({
  Name: z.string(),
  TaskTemplate: z.looseObject({
    ContainerSpec: z.looseObject({ Image: z.string(), Env: z.array(z.string()).optional() }),
  }),
  Mode: z.looseObject({ Replicated: z.looseObject({ Replicas: z.number() }).optional() }),
});

export type ServiceSpec = z.infer<typeof serviceSpec>;

const inspected = z.looseObject({
  ID: z.string(),
  Version: z.object({ Index: z.number() }),
  Spec: serviceSpec,
  UpdateStatus: z.looseObject({ State: z.string(), Message: z.string().optional() }).optional(),
});

/** A swarm service as the engine describes it. */
export type SwarmService = z.infer<typeof inspected>;

/** One task of a swarm service (a replica's current container). */
const task = z.looseObject({
  ID: z.string(),
  Slot: z.number().optional(),
  CreatedAt: z.string(),
  DesiredState: z.string(),
  Status: z.looseObject({
    State: z.string(),
    ContainerStatus: z.looseObject({ ContainerID: z.string().optional() }).optional(),
  }),
  Spec: z.looseObject({ ContainerSpec: z.looseObject({ Image: z.string() }) }),
  NetworksAttachments: z
    .array(z.looseObject({ Addresses: z.array(z.string()).optional() }))
    .optional(),
});

export type SwarmTask = z.infer<typeof task>;

/** The service `name` (`<stack>_<service>`). @throws when the stack has no such service. */
export async function inspectService(docker: Docker, name: string): Promise<SwarmService> {
  try {
    return inspected.parse(await docker.getService(name).inspect());
  } catch (error) {
    throw new Error(`no swarm service ${name} (is the stack deployed? admin/mfstack up)`, {
      cause: error,
    });
  }
}

/** Replaces the spec of `service` (the engine refuses it if the service changed meanwhile). */
export async function updateService(
  docker: Docker,
  service: SwarmService,
  spec: ServiceSpec,
): Promise<void> {
  await docker.getService(service.ID).update({ ...spec, version: service.Version.Index });
}

/** The tasks of the swarm service `name` that should run (desired state running), oldest first. */
export async function serviceTasks(docker: Docker, name: string): Promise<SwarmTask[]> {
  const listed: unknown = await docker.listTasks({
    filters: { service: [name], 'desired-state': ['running'] },
  });
  return z
    .array(task)
    .parse(listed)
    .sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt));
}

/** A task's addresses on its networks, without their prefix length. Pure. */
export function taskAddresses(entry: SwarmTask): string[] {
  return (entry.NetworksAttachments ?? []).flatMap((attachment) =>
    (attachment.Addresses ?? []).map((address) => address.split('/')[0] ?? address),
  );
}

/** `MF_VERSION=<version>` in a container spec's environment, replacing an earlier one. Pure. */
export function withVersion(env: readonly string[] | undefined, version: string): string[] {
  return [
    ...(env ?? []).filter((line) => !line.startsWith('MF_VERSION=')),
    `MF_VERSION=${version}`,
  ];
}
