import { localEtcd } from '../local/instances.js';
import { localSettings } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfregistry

Prints every key under the registry prefix with its value.`;

runCommand(USAGE, async (argv) => {
  if (argv.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  const etcd = await localEtcd(settings);
  try {
    const entries = await etcd
      .getAll()
      .prefix(`${settings.MF_ETCD_PREFIX}/`)
      .sort('Key', 'Ascend')
      .strings();
    for (const [key, value] of Object.entries(entries)) console.log(`${key} ${value}`);
  } finally {
    etcd.close();
  }
});
