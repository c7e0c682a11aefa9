import { parseArgs } from 'node:util';
import { serviceEntry } from '../catalog.js';
import { withRegistry } from '../local/instances.js';
import { restoreInstances } from '../local/launch.js';
import { selectRuntime } from '../runtime.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfrun <service> [--count N] [--tag T] [--if-none]
       mfrun --restore

Starts N more instances of <service> (default 1), each under a supervisor that restarts it
after a crash, and returns once each is registered and taking traffic. Instances run from
the release of the current build (.mf/releases/<service>/<version>/, made when missing);
--tag T names the release (and the version the instances announce). --if-none starts them
only when no local instance of <service> is running (what mfup uses). --restore brings
back every recorded instance whose supervisor is not running (after a reboot: mfup).
With MF_RUNTIME=docker (or a running compose project) each instance is a container of the
project, from the image microflack/<service>:<tag>; on a swarm stack, the service is scaled.`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      count: { type: 'string', default: '1' },
      tag: { type: 'string' },
      'if-none': { type: 'boolean', default: false },
      restore: { type: 'boolean', default: false },
    },
  });
  const settings = localSettings();
  const runtime = await selectRuntime(settings);
  if (values.restore) {
    if (positionals.length > 0) throw usageError(USAGE);
    // Containers and swarm tasks come back by the engine's restart policy.
    if (runtime.name !== 'local') return;
    await withRegistry(settings, (etcd) => restoreInstances(settings, etcd, console.log));
    return;
  }
  const [service, ...extra] = positionals;
  const count = Number(values.count);
  if (!service || extra.length > 0 || !Number.isInteger(count) || count < 1)
    throw usageError(USAGE);
  serviceEntry(service);
  const running = (await runtime.instances(service))
    .filter((instance) => instance.running)
    .map((instance) => instance.id);
  if (values['if-none'] && running.length > 0) {
    console.log(`${service}: already running (${running.join(', ')})`);
    return;
  }
  await runtime.run({ service, count, tag: values.tag }, console.log);
});
