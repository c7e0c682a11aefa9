import { existsSync } from 'node:fs';
import { currentEnv, loadConfig } from '@microflack/common/registry';
import { z } from 'zod';
import { dotenv } from '../settings.js';

/** What the Docker runtimes read from `.env` and the environment (docs/operations.md, Docker). */
export const dockerEnv = {
  /** Where the engine answers; the default socket when unset. */
  DOCKER_HOST: z.string().optional(),
  /** The compose project the docker runtime adds containers to. */
  COMPOSE_PROJECT_NAME: z.string().default('microflack'),
  /** The swarm stack `mfstack up` deploys and the swarm runtime drives. */
  MF_STACK_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, _ and -')
    .default('microflack'),
  /** The image tag of a release when no --tag is given. */
  MF_IMAGE_TAG: z.string().default('latest'),
  /** `user:password` of the load balancer's stats page (read for its servers' states). */
  HAPROXY_STATS_AUTH: z.string().default(''),
};

/** Parsed Docker settings. */
export type DockerSettings = z.infer<z.ZodObject<typeof dockerEnv>>;

/** Docker settings from `.env` (or the `variables` of another env file), the environment first. */
export function dockerSettings(variables = dotenv()): DockerSettings {
  return loadConfig(dockerEnv, {}, { ...variables, ...currentEnv() });
}

/** Whether an engine may answer: DOCKER_HOST is set, or the default socket exists. */
export function engineMayAnswer(settings: DockerSettings): boolean {
  return settings.DOCKER_HOST !== undefined || existsSync('/var/run/docker.sock');
}
