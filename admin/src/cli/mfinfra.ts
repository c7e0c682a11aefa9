import { components } from '../infra/components.js';
import { ensurePackages } from '../infra/packages.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfinfra up|down|status

  up      start the local etcd, PostgreSQL, Redis, HAProxy and its watcher (idempotent)
  down    stop them
  status  show what runs`;

runCommand(USAGE, async ([action, ...rest]) => {
  if (rest.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  const all = components(settings);
  switch (action) {
    case 'up':
      ensurePackages(settings.MF_NO_INSTALL === '1');
      for (const component of all) {
        if (await component.answers()) {
          console.log(`${component.name}: already running on ${component.address}`);
          continue;
        }
        console.log(`${component.name}: starting on ${component.address}`);
        await component.start();
        console.log(`${component.name}: up`);
      }
      return;
    case 'down':
      for (const component of [...all].reverse()) {
        await component.stop();
        console.log(`${component.name}: stopped`);
      }
      return;
    case 'status': {
      let down = 0;
      for (const component of all) {
        const up = await component.answers();
        if (!up) down++;
        console.log(
          `${component.name.padEnd(12)} ${(up ? 'running' : 'stopped').padEnd(8)} ${component.address}`,
        );
      }
      process.exitCode = down === 0 ? 0 : 3;
      return;
    }
    default:
      throw usageError(USAGE);
  }
});
