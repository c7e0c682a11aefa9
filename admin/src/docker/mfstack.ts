import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { currentEnv, loadConfig, waitUntil } from '@microflack/common/registry';
import { parse, stringify } from 'yaml';
import { SERVICES } from '../catalog.js';
import { runCommand, usageError } from '../cli/run-command.js';
import { balancerStatus } from '../local/balancer-state.js';
import { registeredInstances, withRegistry } from '../local/instances.js';
import { localEnv, readDotenv, ROOT, statePaths, type LocalSettings } from '../settings.js';
import { statsStatuses } from './balancer-stats.js';
import { dockerSettings, type DockerSettings } from './docker-settings.js';
import { connectEngine } from './engine.js';
import { swarmStackFile } from './stack-file.js';
import { joinSwarm, leaveSwarm, removeStack } from './swarm-membership.js';

const run = promisify(execFile);

const USAGE = `usage: mfstack up [--env-file FILE]
       mfstack down [--volumes] [--leave]

  up     deploys compose.yaml + compose.swarm.yaml as the swarm stack MF_STACK_NAME (default
         microflack): renders the stack file into .mf/stack/ (the load balancer's and etcd's
         ports in host mode), runs \`docker stack deploy --resolve-image never\` and returns once
         every service has an instance UP in the load balancer. An engine in no swarm becomes
         a single-node swarm, advertised on 127.0.0.1.
  down   removes the stack and returns once its containers and networks are gone; --volumes
         removes its volumes too (PostgreSQL's data), --leave then leaves the swarm.

Images come from admin/mfimages (no registry is asked: run the engine with
DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1). Configuration from .env, or FILE (docs/operations.md, Swarm).`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'env-file': { type: 'string', default: join(ROOT, '.env') },
      volumes: { type: 'boolean', default: false },
      leave: { type: 'boolean', default: false },
    },
  });
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw usageError(USAGE);
  const envFile = values['env-file'];
  const variables = readDotenv(envFile);
  const settings = loadConfig(localEnv, {}, { ...variables, ...currentEnv() });
  const docker = dockerSettings(variables);
  switch (action) {
    case 'up':
      return stackUp(settings, docker, existsSync(envFile) ? envFile : undefined);
    case 'down':
      await removeStack(connectEngine(docker), docker.MF_STACK_NAME, values.volumes, console.log);
      if (values.leave) await leaveSwarm(connectEngine(docker), console.log);
      return;
    default:
      throw usageError(USAGE);
  }
});

/** Renders the stack file, deploys it and waits until every service takes traffic. */
async function stackUp(settings: LocalSettings, docker: DockerSettings, envFile?: string) {
  await joinSwarm(connectEngine(docker), console.log);
  const file = await renderStackFile(settings, docker, envFile);
  const stack = docker.MF_STACK_NAME;
  console.log(`deploying the stack ${stack} from ${file}`);
  await run('docker', [
    'stack',
    'deploy',
    '--resolve-image',
    'never',
    '--prune',
    '-c',
    file,
    stack,
  ]);
  await waitUntil(() => everyServiceUp(settings, docker), {
    what: `every service of the stack ${stack} UP in the load balancer`,
    timeoutMs: 600_000,
    intervalMs: 1000,
    maxIntervalMs: 2000,
  });
  console.log(`the stack ${stack} is up: http://127.0.0.1:${settings.MF_BALANCER_PORT}/`);
}

/** `docker-compose config` of both files, adjusted for a stack deploy, written (owner only). */
async function renderStackFile(settings: LocalSettings, docker: DockerSettings, envFile?: string) {
  const files = ['compose.yaml', 'compose.swarm.yaml'].flatMap((name) => ['-f', join(ROOT, name)]);
  const { stdout } = await run(
    'docker-compose',
    [...(envFile ? ['--env-file', envFile] : []), ...files, 'config'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const dir = join(statePaths(settings).state, 'stack');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${docker.MF_STACK_NAME}.yaml`);
  // It holds the secrets of the env file, as the containers' environment.
  writeFileSync(file, stringify(swarmStackFile(parse(stdout))), { mode: 0o600 });
  return file;
}

/** Whether every service has an instance registered and UP in the load balancer. */
async function everyServiceUp(settings: LocalSettings, docker: DockerSettings): Promise<boolean> {
  const statuses = await statsStatuses(settings, docker);
  const instances = await withRegistry(settings, (etcd) => registeredInstances(settings, etcd));
  return SERVICES.every(({ name }) =>
    instances.some((i) => i.service === name && balancerStatus(statuses.get(i.id)) === 'UP'),
  );
}
