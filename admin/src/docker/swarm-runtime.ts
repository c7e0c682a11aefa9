import type Docker from 'dockerode';
import { waitUntil, type InstanceRecord } from '@microflack/common/registry';
import { SERVICES } from '../catalog.js';
import { balancerStatus } from '../local/balancer-state.js';
import { registeredInstances, withRegistry } from '../local/instances.js';
import type { Runtime, RuntimeInstance, RuntimeRelease, RunRequest, Say } from '../runtime.js';
import type { LocalSettings } from '../settings.js';
import { statsStatuses } from './balancer-stats.js';
import { crashContainer } from './crash.js';
import type { DockerSettings } from './docker-settings.js';
import { connectEngine, hostOf, imageRelease, imageTag, serviceImage } from './engine.js';
import {
  inspectService,
  serviceTasks,
  taskAddresses,
  updateService,
  withVersion,
  type SwarmTask,
} from './swarm-services.js';

/**
 * Instances as the tasks of the stack's swarm services (`admin/mfstack up`): `mfrun` scales a
 * service, `mfupgrade roll` is the swarm's rolling update (start-first, one at a time, gated on
 * the image's healthcheck), and each counts once the load balancer has every instance UP.
 */
export class SwarmRuntime implements Runtime {
  readonly name = 'swarm';
  private readonly docker: Docker;

  constructor(
    private readonly settings: LocalSettings,
    private readonly dockerSettings: DockerSettings,
  ) {
    this.docker = connectEngine(dockerSettings);
  }

  private serviceName(service: string): string {
    return `${this.dockerSettings.MF_STACK_NAME}_${service}`;
  }

  private registered(service?: string): Promise<InstanceRecord[]> {
    return withRegistry(this.settings, (etcd) => registeredInstances(this.settings, etcd, service));
  }

  async instances(service?: string): Promise<RuntimeInstance[]> {
    const names = service === undefined ? SERVICES.map((entry) => entry.name) : [service];
    const registered = await this.registered(service);
    const byHost = new Map(registered.map((instance) => [hostOf(instance.address), instance.id]));
    const perService = await Promise.all(
      names.map(async (name) => {
        const tasks = await serviceTasks(this.docker, this.serviceName(name)).catch(() => []);
        return tasks.map((task): RuntimeInstance => ({
          id:
            taskAddresses(task)
              .map((address) => byHost.get(address))
              .find(Boolean) ?? task.ID,
          service: name,
          version: imageTag(task.Spec.ContainerSpec.Image),
          restarts: 0,
          lastExit: '-',
          running: task.Status.State === 'running',
          gaveUp: false,
        }));
      }),
    );
    return perService.flat();
  }

  release(service: string, tag: string | undefined): Promise<RuntimeRelease> {
    return imageRelease(this.docker, service, tag ?? this.dockerSettings.MF_IMAGE_TAG);
  }

  previousRelease(service: string, version: string): RuntimeRelease {
    return { service, version };
  }

  /** Scales the service up by `count` and waits until that many more instances are UP. */
  async run(request: RunRequest, say: Say): Promise<void> {
    const name = this.serviceName(request.service);
    const service = await inspectService(this.docker, name);
    const image = service.Spec.TaskTemplate.ContainerSpec.Image;
    if (request.tag !== undefined && imageTag(image) !== request.tag)
      throw new Error(
        `${name} runs ${image}: a swarm service runs one image (mfupgrade roll --tag ${request.tag})`,
      );
    const replicas = service.Spec.Mode.Replicated?.Replicas;
    if (replicas === undefined) throw new Error(`${name} is not a replicated service`);
    const before = new Set((await this.registered(request.service)).map((instance) => instance.id));
    const spec = structuredClone(service.Spec);
    spec.Mode.Replicated = { ...spec.Mode.Replicated, Replicas: replicas + request.count };
    await updateService(this.docker, service, spec);
    say(`${name}: scaled to ${replicas + request.count} replicas`);
    const added = await this.waitUp(
      request.service,
      (up) => (up.length >= replicas + request.count ? up.filter((i) => !before.has(i.id)) : []),
      request.timeoutMs ?? 120_000,
    );
    added.forEach((id, n) => say(`${id} takes traffic (${n + 1}/${request.count})`));
  }

  /**
   * Waits until `enough` picks some of the instances of `service` that are registered and UP in
   * the load balancer (nothing: not yet). @returns the ids picked.
   */
  private async waitUp(
    service: string,
    enough: (up: InstanceRecord[]) => InstanceRecord[],
    timeoutMs: number,
  ): Promise<string[]> {
    const picked = await waitUntil(
      async () => {
        const [instances, statuses] = await Promise.all([
          this.registered(service),
          statsStatuses(this.settings, this.dockerSettings),
        ]);
        const up = instances.filter((i) => balancerStatus(statuses.get(i.id)) === 'UP');
        const chosen = enough(up);
        return chosen.length > 0 && chosen;
      },
      {
        what: `the ${service} instances to be UP`,
        timeoutMs,
        intervalMs: 250,
        maxIntervalMs: 1000,
      },
    );
    return picked.map((instance) => instance.id);
  }

  startOne(): Promise<string> {
    return Promise.reject(
      new Error('a swarm service runs one image: no canary beside it (mfupgrade roll updates it)'),
    );
  }

  stop(id: string): Promise<void> {
    return Promise.reject(
      new Error(
        `the swarm chooses which task goes: scale the service instead (docker service scale ${this.serviceName(id.split('-')[0] ?? id)}=N)`,
      ),
    );
  }

  async kill(id: string): Promise<string> {
    const task = await this.taskOf(id);
    const container = task.Status.ContainerStatus?.ContainerID;
    if (!container) return `${id} is not running now`;
    await crashContainer(this.docker, container);
    return `killed ${id} (task ${task.ID}); the swarm replaces it`;
  }

  /** The task running instance `id` (on this engine's swarm). */
  private async taskOf(id: string): Promise<SwarmTask> {
    const service = id.split('-')[0] ?? id;
    const instance = (await this.registered(service)).find((entry) => entry.id === id);
    const tasks = await serviceTasks(this.docker, this.serviceName(service));
    const task = tasks.find(
      (entry) => entry.ID === id || taskAddresses(entry).includes(hostOf(instance?.address ?? '')),
    );
    if (!task) throw new Error(`no swarm task runs the instance ${id}`);
    return task;
  }

  prune(): Promise<void> {
    return Promise.resolve();
  }

  serverStatuses(): Promise<Map<string, string>> {
    return statsStatuses(this.settings, this.dockerSettings);
  }

  /**
   * The swarm's rolling update to the release's image: one task at a time, the new one started
   * first and healthy before the old one is stopped (which drains on SIGTERM); done once every
   * instance runs the release and is UP in the load balancer. A failed update is rolled back.
   */
  async roll(service: string, release: RuntimeRelease, say: Say, timeoutMs: number) {
    const name = this.serviceName(service);
    const current = await inspectService(this.docker, name);
    const replicas = current.Spec.Mode.Replicated?.Replicas ?? 1;
    const spec = structuredClone(current.Spec);
    const container = spec.TaskTemplate.ContainerSpec;
    container.Image = serviceImage(service, release.version);
    container.Env = withVersion(container.Env, release.version);
    spec['UpdateConfig'] = {
      Parallelism: 1,
      Order: 'start-first',
      FailureAction: 'rollback',
      Monitor: 10_000_000_000,
    };
    await updateService(this.docker, current, spec);
    say(`${name}: rolling update to ${container.Image} (${replicas} replicas, start-first)`);
    const ended = await waitUntil(
      async () => {
        const state = (await inspectService(this.docker, name)).UpdateStatus?.State;
        const over = state === 'completed' || state === 'paused' || state?.startsWith('rollback');
        return over && state;
      },
      { what: `the update of ${name}`, timeoutMs: timeoutMs * replicas, maxIntervalMs: 1000 },
    );
    if (ended !== 'completed') throw new Error(`the swarm's update of ${name} ended ${ended}`);
    // Done when every replica runs the release, registered and UP (the old ones have left).
    await this.waitUp(
      service,
      (up) => {
        const onRelease = up.filter((instance) => instance.version === release.version);
        return onRelease.length >= replicas && onRelease.length === up.length ? onRelease : [];
      },
      timeoutMs,
    );
  }
}
