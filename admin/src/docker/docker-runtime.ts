import type Docker from 'dockerode';
import {
  describeProblems,
  instanceRecord,
  newInstanceId,
  parseJsonValue,
  registryKeys,
  waitUntil,
  type Etcd3,
  type InstanceRecord,
} from '@microflack/common/registry';
import { registeredInstances, withRegistry } from '../local/instances.js';
import type {
  Runtime,
  RuntimeInstance,
  RuntimeName,
  RuntimeRelease,
  RunRequest,
  Say,
} from '../runtime.js';
import type { LocalSettings } from '../settings.js';
import { z } from 'zod';
import { statsStatuses, waitServing } from './balancer-stats.js';
import { containerLog } from './container-logs.js';
import { crashContainer } from './crash.js';
import { dockerSettings, engineMayAnswer, type DockerSettings } from './docker-settings.js';
import { COMPOSE, connectEngine, imageRelease, LABELS, serviceImage } from './engine.js';
import { containerOf, serviceContainers, type ServiceContainer } from './project-containers.js';

/** The runtime `auto` finds: a running compose project, else a deployed stack, else local. */
export async function detectRuntime(): Promise<RuntimeName> {
  const settings = dockerSettings();
  if (!engineMayAnswer(settings)) return 'local';
  const docker = connectEngine(settings);
  try {
    const balancers = await docker.listContainers({
      filters: {
        label: [
          `${COMPOSE.project}=${settings.COMPOSE_PROJECT_NAME}`,
          `${COMPOSE.service}=balancer`,
        ],
        status: ['running'],
      },
    });
    if (balancers.length > 0) return 'docker';
    const name = `${settings.MF_STACK_NAME}_balancer`;
    const services = await docker.listServices({ filters: { name: [name] } }).catch(() => []);
    return services.some((service) => service.Spec?.Name === name) ? 'swarm' : 'local';
  } catch {
    return 'local';
  }
}

/** The runtime of the Docker engine: `docker` (the compose project) or `swarm` (the stack). */
export async function dockerRuntime(
  settings: LocalSettings,
  name: Exclude<RuntimeName, 'local'>,
): Promise<Runtime> {
  const docker = dockerSettings();
  if (name === 'docker') return new DockerRuntime(settings, docker);
  const { SwarmRuntime } = await import('./swarm-runtime.js');
  return new SwarmRuntime(settings, docker);
}

/**
 * Instances as containers of the compose project: each a copy of the service's newest container
 * (its environment, network, restart policy and compose labels, so `docker-compose down` removes
 * it too) from the image of the release, labelled with service, instance and version.
 */
export class DockerRuntime implements Runtime {
  readonly name = 'docker';
  private readonly docker: Docker;

  constructor(
    private readonly settings: LocalSettings,
    private readonly dockerSettings: DockerSettings,
  ) {
    this.docker = connectEngine(dockerSettings);
  }

  /** The project's service containers, named by the instance they run. */
  private async containers(): Promise<ServiceContainer[]> {
    const registered = await withRegistry(this.settings, (etcd) =>
      registeredInstances(this.settings, etcd),
    );
    return serviceContainers(this.docker, this.dockerSettings.COMPOSE_PROJECT_NAME, registered);
  }

  async instances(service?: string): Promise<RuntimeInstance[]> {
    const containers = (await this.containers()).filter(
      (container) => service === undefined || container.service === service,
    );
    return Promise.all(
      containers.map(async (container): Promise<RuntimeInstance> => {
        const { State, RestartCount } = await this.docker
          .getContainer(container.container)
          .inspect();
        const exited = !State.Running && State.FinishedAt !== '0001-01-01T00:00:00Z';
        return {
          id: container.instance,
          service: container.service,
          version: container.version,
          restarts: RestartCount,
          // A restarted container's previous exit code is gone: the engine keeps the last one.
          lastExit: exited || State.ExitCode !== 0 ? `exit ${State.ExitCode}` : '-',
          running: State.Running,
          gaveUp: !State.Running && !State.Restarting,
        };
      }),
    );
  }

  release(service: string, tag: string | undefined): Promise<RuntimeRelease> {
    return imageRelease(this.docker, service, tag ?? this.dockerSettings.MF_IMAGE_TAG);
  }

  previousRelease(service: string, version: string): RuntimeRelease {
    return { service, version };
  }

  async run(request: RunRequest, say: Say): Promise<void> {
    const release = await this.release(request.service, request.tag);
    await withRegistry(this.settings, async (etcd) => {
      for (let n = 1; n <= request.count; n++) {
        const id = await this.startOne(etcd, release, say, request.timeoutMs);
        say(`${id} takes traffic (${n}/${request.count})`);
      }
    });
  }

  // A container starts slower than a process (the image's healthcheck allows it 120 s).
  async startOne(etcd: Etcd3, release: RuntimeRelease, say: Say, timeoutMs = 120_000) {
    const { service, version } = release;
    const id = newInstanceId(service, version);
    const container = await this.createFromTemplate(release, id);
    try {
      await this.docker.getContainer(container).start();
      const instance = await this.awaitRegistration(etcd, service, id, container, timeoutMs);
      say(`registered ${instance.id} on ${instance.address}`);
      await waitServing(this.settings, this.dockerSettings, id, timeoutMs);
      return id;
    } catch (error) {
      await this.docker.getContainer(container).remove({ force: true, v: true });
      throw error;
    }
  }

  /** Creates (not starts) a container of `release` like the service's newest container. */
  private async createFromTemplate(release: RuntimeRelease, id: string): Promise<string> {
    const project = this.dockerSettings.COMPOSE_PROJECT_NAME;
    const siblings = (await this.containers()).filter((c) => c.service === release.service);
    const template = siblings.at(-1);
    if (!template)
      throw new Error(
        `the compose project ${project} has no ${release.service} container to copy: docker-compose up -d ${release.service}`,
      );
    const { Config, HostConfig } = await this.docker.getContainer(template.container).inspect();
    const number = Math.max(...siblings.map((sibling) => sibling.number)) + 1;
    const network = template.networks[0] ?? `${project}_default`;
    const created = await this.docker.createContainer({
      name: `${project}_${release.service}_${number}`,
      Image: serviceImage(release.service, release.version),
      Env: [
        ...Config.Env.filter((line) => !/^(MF_INSTANCE_ID|MF_VERSION)=/.test(line)),
        `MF_INSTANCE_ID=${id}`,
        `MF_VERSION=${release.version}`,
      ],
      Labels: {
        ...Config.Labels,
        [COMPOSE.number]: String(number),
        [LABELS.service]: release.service,
        [LABELS.instance]: id,
        [LABELS.version]: release.version,
      },
      ...(stopTimeout(Config) === undefined ? {} : { StopTimeout: stopTimeout(Config) }),
      HostConfig: {
        NetworkMode: network,
        RestartPolicy: HostConfig.RestartPolicy,
        LogConfig: HostConfig.LogConfig,
        ...(HostConfig.Init === undefined ? {} : { Init: HostConfig.Init }),
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [release.service] } } },
    });
    return created.id;
  }

  /** Resolves once instance `id` is registered; fails, with its last log lines, if it exits. */
  private async awaitRegistration(
    etcd: Etcd3,
    service: string,
    id: string,
    container: string,
    timeoutMs: number,
  ): Promise<InstanceRecord> {
    const key = registryKeys(this.settings.MF_ETCD_PREFIX).instance(service, id);
    const outcome = await waitUntil(
      async () => {
        const value = await etcd.get(key).string();
        if (value !== null) return value;
        const { State, RestartCount } = await this.docker.getContainer(container).inspect();
        return State.Running && RestartCount === 0 ? undefined : EXITED;
      },
      { what: `${id} to register`, timeoutMs, intervalMs: 100, maxIntervalMs: 500 },
    );
    if (outcome === EXITED) {
      const tail = await containerLog(this.docker, container, { tail: 5 });
      throw new Error(`${id} exited before registering; last log lines:\n${tail.trim()}`);
    }
    const record = parseJsonValue(instanceRecord, outcome);
    if (!record.success)
      throw new Error(`${id} registered a malformed record: ${describeProblems(record.error)}`);
    return record.data;
  }

  async stop(id: string): Promise<void> {
    const { container } = containerOf(await this.containers(), id);
    const handle = this.docker.getContainer(container);
    const { Config } = await handle.inspect();
    // SIGTERM: the instance deregisters, drains and exits, within its stop grace period.
    await handle.stop({ t: stopTimeout(Config) ?? 60 }).catch(notRunning);
    await handle.remove({ v: true });
  }

  async kill(id: string): Promise<string> {
    const { container, name } = containerOf(await this.containers(), id);
    const handle = this.docker.getContainer(container);
    if (!(await handle.inspect()).State.Running) return `${id} is not running now`;
    await crashContainer(this.docker, container);
    return `killed ${id} (container ${name}); the engine restarts it`;
  }

  async logs(target: string | undefined, since?: number): Promise<string[]> {
    const chosen = (await this.containers()).filter(
      (container) =>
        target === undefined || container.service === target || container.instance === target,
    );
    return Promise.all(
      chosen.map((container) =>
        containerLog(this.docker, container.container, since === undefined ? {} : { since }),
      ),
    );
  }

  prune(): Promise<void> {
    // Images are the operator's: `docker image prune` removes the unused ones.
    return Promise.resolve();
  }

  serverStatuses(): Promise<Map<string, string>> {
    return statsStatuses(this.settings, this.dockerSettings);
  }
}

const EXITED = Symbol('exited');

/** A container's stop grace period (compose's `stop_grace_period`), which dockerode's types omit. */
function stopTimeout(config: object): number | undefined {
  return z.object({ StopTimeout: z.number().optional() }).parse(config).StopTimeout;
}

/** A stop of a container that is not running is done already (the engine answers 304). */
function notRunning(error: unknown): void {
  const status = typeof error === 'object' && error !== null && 'statusCode' in error;
  if (!status || error.statusCode !== 304) throw error;
}
