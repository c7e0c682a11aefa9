import { join } from 'node:path';
import { currentEnv } from '@microflack/common';
import { ensureLocalCertificate } from '../local/certificate.js';
import { localSettings, ROOT } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mfcert

Gives the load balancer a certificate for HTTPS on this machine: unless MF_BALANCER_TLS_CERT is set
(in .env or the environment), writes a self-signed certificate for localhost and 127.0.0.1 into
<state dir>/tls/balancer.pem (mode 0600) and names it in .env. Run by mfup; HAProxy reads it when
the infrastructure starts.`;

runCommand(USAGE, async (argv) => {
  if (argv.length > 0) throw usageError(USAGE);
  const settings = localSettings();
  const done = await ensureLocalCertificate({
    dotenvFile: join(ROOT, '.env'),
    stateDir: settings.MF_STATE_DIR,
    env: currentEnv(),
  });
  if (done.generate) console.log(`==> generated a self-signed certificate for HTTPS: ${done.path}`);
  if (done.writeEnv) console.log(`==> MF_BALANCER_TLS_CERT=${done.path} in .env`);
});
