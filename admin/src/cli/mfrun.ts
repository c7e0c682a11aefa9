import { parseArgs } from 'node:util';
import { serviceEntry } from '../catalog.js';
import { localEtcd, localInstanceIds, startInstance } from '../local/instances.js';
import { selectInstances } from '../local/select.js';
import { waitUntilServing } from '../local/balancer-state.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfrun <service> [--count N] [--tag T] [--if-none]

Starts N more instances of <service> (default 1) and returns once each is registered
and taking traffic. --tag sets the version the instances announce; --if-none starts
them only when no local instance of <service> is running (what mfup uses).`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      count: { type: 'string', default: '1' },
      tag: { type: 'string' },
      'if-none': { type: 'boolean', default: false },
    },
  });
  const [service, ...extra] = positionals;
  const count = Number(values.count);
  if (!service || extra.length > 0 || !Number.isInteger(count) || count < 1)
    throw usageError(USAGE);
  serviceEntry(service);
  const settings = localSettings();
  const running = selectInstances(localInstanceIds(settings), service);
  if (values['if-none'] && running.length > 0) {
    console.log(`${service}: already running (${running.join(', ')})`);
    return;
  }
  const etcd = localEtcd(settings);
  try {
    for (let n = 1; n <= count; n++) {
      const instance = await startInstance(settings, etcd, service, values.tag);
      console.log(`registered ${instance.id} on ${instance.address}`);
      await waitUntilServing(settings, etcd, instance.id);
      console.log(`${instance.id} takes traffic (${n}/${count})`);
    }
  } finally {
    etcd.close();
  }
});
