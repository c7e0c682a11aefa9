import { balancerStatus, serverStatuses } from '../local/balancer-state.js';
import { localEtcd, registeredInstances } from '../local/instances.js';
import { formatTable, uptime } from '../local/table.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfps [service]

Lists registered instances: id, service, version, address, load balancer state
(UP/DOWN/DRAIN/MAINT, or ABSENT before the balancer has it) and uptime.`;

runCommand(USAGE, async (argv) => {
  const [service, ...extra] = argv;
  if (extra.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  const etcd = localEtcd(settings);
  try {
    const [instances, statuses] = await Promise.all([
      registeredInstances(settings, etcd, service),
      serverStatuses(settings),
    ]);
    const now = Date.now();
    const rows = instances.map((instance) => [
      instance.id,
      instance.service,
      instance.version,
      instance.address,
      balancerStatus(statuses.get(instance.id)),
      uptime(now - instance.started_at),
    ]);
    console.log(
      formatTable(['INSTANCE', 'SERVICE', 'VERSION', 'ADDRESS', 'BALANCER', 'UPTIME'], rows),
    );
  } finally {
    etcd.close();
  }
});
