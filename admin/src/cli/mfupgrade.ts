import { parseArgs } from 'node:util';
import { SERVICES, serviceEntry } from '../catalog.js';
import { withRegistry } from '../local/instances.js';
import { checkTag } from '../local/releases.js';
import { selectRuntime, type Runtime } from '../runtime.js';
import { localSettings } from '../settings.js';
import { allUpgrades, describeUpgrade } from '../upgrade/upgrade-state.js';
import { abortUpgrade, rollService, tryUpgrade, type UpgradeContext } from '../upgrade/upgrade.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfupgrade try <service> [--tag T] [--timeout S]
       mfupgrade roll [<service>] [--tag T] [--timeout S]
       mfupgrade abort [<service>]
       mfupgrade status

  try     start one canary of the new release beside the old instances
  roll    replace every old instance, one at a time: start a new one, wait until HAProxy has
          it UP, stop one old gracefully; without <service>, every service (users, tokens,
          messages, socketio, ui). A new instance that is not UP within --timeout seconds
          (default 60) stops the roll and leaves the old ones serving
  abort   remove the canary / put the old release back after a half-done or failed roll
  status  the upgrades under way (their state is in etcd: <prefix>/upgrades/<service>)

The new release is the current build (.mf/releases/<service>/<version>/, made when missing),
or the release named --tag T. On Docker (MF_RUNTIME=docker, or a running compose project) a
release is the image microflack/<service>:<tag>; on a swarm stack, roll is the swarm's own
rolling update (start-first, one at a time, health-gated).`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tag: { type: 'string' }, timeout: { type: 'string', default: '60' } },
  });
  const [action, service, ...extra] = positionals;
  const timeout = Number(values.timeout);
  if (extra.length > 0 || !Number.isFinite(timeout) || timeout <= 0) throw usageError(USAGE);
  if (service !== undefined) serviceEntry(service);
  if (values.tag !== undefined) checkTag(values.tag);
  const settings = localSettings();
  const runtime = await selectRuntime(settings);
  await withRegistry(settings, async (etcd) => {
    const say = console.log;
    const context: UpgradeContext = { settings, runtime, etcd, say, timeoutMs: timeout * 1000 };
    const prefix = settings.MF_ETCD_PREFIX;
    switch (action) {
      case 'try':
        if (!service) throw usageError(USAGE);
        return tryUpgrade(context, service, values.tag);
      case 'roll':
        // Without a service: each service that runs locally, dependencies first.
        for (const name of service ? [service] : await servicesRunning(runtime))
          await rollService(context, name, values.tag);
        return;
      case 'abort': {
        const under = service ? [service] : (await allUpgrades(etcd, prefix)).map((s) => s.service);
        if (under.length === 0) throw new Error('no upgrade is under way');
        for (const name of under) await abortUpgrade(context, name);
        return;
      }
      case 'status': {
        const upgrades = await allUpgrades(etcd, prefix);
        if (upgrades.length === 0) console.log('no upgrade under way');
        for (const state of upgrades) console.log(describeUpgrade(state));
        return;
      }
      default:
        throw usageError(USAGE);
    }
  });
});

async function servicesRunning(runtime: Runtime): Promise<string[]> {
  const running = new Set(
    (await runtime.instances())
      .filter((instance) => instance.running)
      .map((instance) => instance.service),
  );
  return SERVICES.map((entry) => entry.name).filter((name) => running.has(name));
}
