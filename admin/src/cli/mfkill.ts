import { parseArgs } from 'node:util';
import { selectInstances } from '../local/select.js';
import { selectRuntime } from '../runtime.js';
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
  const runtime = await selectRuntime(localSettings());
  // A crash-looped instance (its supervisor gave up) can still be stopped, i.e. forgotten.
  const known = (await runtime.instances())
    .filter((instance) => !values.force || instance.running)
    .map((instance) => instance.id);
  const chosen = selectInstances(known, target);
  if (chosen.length === 0 && target !== 'all')
    throw new Error(`no running instance matches "${target}"`);
  if (values.force) {
    for (const id of chosen) console.log(await runtime.kill(id));
    return;
  }
  await Promise.all(
    chosen.map(async (id) => {
      await runtime.stop(id);
      console.log(`stopped ${id}`);
    }),
  );
});
