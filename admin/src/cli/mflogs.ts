import { watch } from 'node:fs';
import { parseArgs } from 'node:util';
import { prettyFactory } from 'pino-pretty';
import { instanceLogs, readFrom } from '../logs/log-files.js';
import {
  filterLines,
  mergeLogs,
  parseDuration,
  parseLog,
  type LogFilter,
  type LogLine,
} from '../logs/log-lines.js';
import { selectRuntime } from '../runtime.js';
import { localSettings, statePaths } from '../settings.js';
import { runCommand, usageError } from './run-command.js';

const USAGE = `usage: mflogs [service|instance] [-f] [--since D] [--request ID] [--json]

The logs of local instances (.mf/logs/<instance>.log), merged in time order: all of them,
a service's, or one instance's. -f follows them (new instances of the service included);
--since 10m (s, m, h, d) starts that long ago; --request ID keeps the lines of one request
across services. Pretty on a terminal (pino-pretty), raw JSON lines when piped or with --json.
On Docker (MF_RUNTIME=docker, or a running compose project) the logs are the containers' own;
-f is not available there (docker-compose logs -f follows them).`;

runCommand(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      follow: { type: 'boolean', short: 'f', default: false },
      since: { type: 'string' },
      request: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [target, ...extra] = positionals;
  if (extra.length > 0) throw usageError(USAGE);
  const filter: LogFilter = {
    ...(values.since === undefined ? {} : { since: Date.now() - parseDuration(values.since) }),
    ...(values.request === undefined ? {} : { requestId: values.request }),
  };
  const print = printer(values.json || !process.stdout.isTTY);
  const settings = localSettings();
  const runtime = await selectRuntime(settings);
  if (runtime.logs) {
    if (values.follow) throw new Error('-f follows local logs only (docker-compose logs -f)');
    const texts = await runtime.logs(target, filter.since);
    if (texts.length === 0) throw new Error(`no container matches "${target ?? 'all'}"`);
    filterLines(mergeLogs(texts.map((text) => parseLog(text))), filter).forEach(print);
    return;
  }
  const logs = statePaths(settings).logs;
  const files = instanceLogs(logs, target);
  if (files.length === 0 && !values.follow)
    throw new Error(`no instance logs match "${target ?? 'all'}" in ${logs}`);
  const offsets = new Map<string, { offset: number; time: number }>();
  const readNew = () => {
    const batches = instanceLogs(logs, target).map((file) => {
      const seen = offsets.get(file) ?? { offset: 0, time: 0 };
      const { text, offset } = readFrom(file, seen.offset);
      const lines = parseLog(text, seen.time);
      offsets.set(file, { offset, time: lines.at(-1)?.time ?? seen.time });
      return lines;
    });
    filterLines(mergeLogs(batches), filter).forEach(print);
  };
  readNew();
  if (!values.follow) return;
  const watcher = watch(logs, () => readNew());
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  watcher.close();
});

/** Writes a line: raw, or through pino-pretty (a raw text line as it is). */
function printer(raw: boolean): (line: LogLine) => void {
  const pretty = prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l' });
  return (line) => {
    process.stdout.write(raw || !line.json ? `${line.text}\n` : pretty(line.text));
  };
}
