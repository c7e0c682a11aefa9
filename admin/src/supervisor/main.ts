// The supervisor of one local instance, started detached by mfrun / mfupgrade:
// `node admin/dist/supervisor/main.js <spec file> <pid file>`. Its environment is the instance's,
// which the instance inherits.
import { rmSync } from 'node:fs';
import { instanceSpec, readJsonFile } from './records.js';
import { Supervisor } from './supervisor.js';

const [specFile = '', pidFile = ''] = process.argv.slice(2);
const spec = readJsonFile(specFile, instanceSpec);
if (!spec || !pidFile) {
  console.error('usage: supervisor/main.js <instance spec file> <pid file>');
  process.exit(2);
}
const supervisor = new Supervisor(spec, (code) => {
  // Stopped on purpose: forgotten (not brought back by mfup). Gave up: the record stays for mfps.
  if (code === 0) rmSync(specFile, { force: true });
  rmSync(pidFile, { force: true });
  process.exit(code);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => void supervisor.stop());
process.on('SIGHUP', () => undefined);
supervisor.start();
