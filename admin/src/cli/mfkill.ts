import { parseArgs } from 'node:util';
import { localInstanceIds, stopInstance } from '../local/instances.js';
import { selectInstances } from '../local/select.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfkill <service>|<instance-id>|all [--force]

Stops instances gracefully (SIGTERM: deregister, drain, exit), or at once with --force.`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false } },
  });
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  const chosen = selectInstances(localInstanceIds(settings), target);
  if (chosen.length === 0 && target !== 'all')
    throw new Error(`no running instance matches "${target}"`);
  await Promise.all(
    chosen.map(async (id) => {
      await stopInstance(settings, id, values.force);
      console.log(`${values.force ? 'killed' : 'stopped'} ${id}`);
    }),
  );
});
