import { parseArgs } from 'node:util';
import { registeredInstances, withRegistry } from '../local/instances.js';
import { instanceRows, ROW_HEADER } from '../local/rows.js';
import { formatTable } from '../local/table.js';
import { selectRuntime } from '../runtime.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfps [service] [--json]

Lists instances: the registered ones, and the local ones that are not registered (restarting,
or given up after a crash loop). Columns: id, service, version, address, load balancer state
(UP/DOWN/DRAIN/MAINT, ABSENT before the balancer has it, - when not registered), uptime,
restarts by its supervisor (or the engine) and its last exit (- for instances the runtime
does not run: another checkout's, or another runtime's).
--json prints one JSON array instead.`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const [service, ...extra] = positionals;
  if (extra.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  const runtime = await selectRuntime(settings);
  const rows = await withRegistry(settings, async (etcd) => {
    const [registered, statuses, running] = await Promise.all([
      registeredInstances(settings, etcd, service),
      runtime.serverStatuses(),
      runtime.instances(service),
    ]);
    return instanceRows(registered, running, statuses, Date.now());
  });
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else
    console.log(
      formatTable(
        ROW_HEADER,
        rows.map((row) => Object.values(row).map(String)),
      ),
    );
});
