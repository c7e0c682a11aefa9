import { parseArgs } from 'node:util';
import { killInstance, localInstanceIds, stopInstance } from '../local/instances.js';
import { selectInstances } from '../local/select.js';
import { recordedInstances } from '../local/supervision.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfkill <service>|<instance-id>|all [--force]

Stops instances gracefully (SIGTERM: deregister, drain, exit; not restarted).
--force SIGKILLs the instance process at once, as a crash would: its supervisor
restarts it (with backoff). Use it to test crash recovery, not to stop an instance.`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false } },
  });
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  // A crash-looped instance (its supervisor gave up) can still be stopped, i.e. forgotten.
  const known = values.force
    ? localInstanceIds(settings)
    : recordedInstances(settings).map((recorded) => recorded.spec.id);
  const chosen = selectInstances(known, target);
  if (chosen.length === 0 && target !== 'all')
    throw new Error(`no running instance matches "${target}"`);
  if (values.force) {
    for (const id of chosen) {
      const pid = killInstance(settings, id);
      console.log(
        pid ? `killed ${id} (pid ${pid}); its supervisor restarts it` : `${id} is not running now`,
      );
    }
    return;
  }
  await Promise.all(
    chosen.map(async (id) => {
      await stopInstance(settings, id);
      console.log(`stopped ${id}`);
    }),
  );
});
