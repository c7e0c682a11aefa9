// The container's entry point: HAProxy in master-worker mode as a child, then the watcher in
// this process. tini (PID 1, `-g`) hands SIGTERM to both; HAProxy exiting ends the container.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { configOrExit } from '@microflack/common';
import {
  balancerEnv,
  haproxyArgs,
  haproxyPaths,
  prepareConfig,
  renderSettings,
} from '@microflack/haproxy';

const config = configOrExit(balancerEnv);
const paths = haproxyPaths(config.HAPROXY_DIR);
await prepareConfig(config.HAPROXY_BIN, paths, renderSettings(config));
const haproxy = spawn(config.HAPROXY_BIN, haproxyArgs(paths), { stdio: 'inherit' });
haproxy.on('exit', (code) => process.exit(code ?? 1));
await import('./dist/main.js');
