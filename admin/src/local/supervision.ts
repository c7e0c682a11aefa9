import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonValue } from '@microflack/common';
import { z } from 'zod';
import { alive, livePid } from '../infra/processes.js';
import { statePaths, type LocalSettings } from '../settings.js';

/** When the supervisor restarts a crashed instance, and when it gives up. */
export const restartPolicy = z.object({
  /** The delay before the first restart, doubling with each crash in the window… */
  baseMs: z.number().int().min(0).default(500),
  /** …up to this. */
  maxMs: z.number().int().min(0).default(15_000),
  /** This many crashes within `windowMs` is a crash loop: the supervisor gives up. */
  limit: z.number().int().min(1).default(5),
  windowMs: z.number().int().min(1).default(60_000),
  /** A graceful stop that takes longer than this ends with SIGKILL. */
  stopTimeoutMs: z.number().int().min(1).default(45_000),
});

export type RestartPolicy = z.infer<typeof restartPolicy>;

/** What the supervisor of one instance runs: recorded at `mfrun`, so `mfup` can bring it back. */
export const instanceSpec = z.object({
  id: z.string(),
  service: z.string(),
  version: z.string(),
  /** The release directory the instance runs from (its working directory). */
  release: z.string(),
  logFile: z.string(),
  stateFile: z.string(),
  policy: restartPolicy.default(restartPolicy.parse({})),
});

export type InstanceSpec = z.infer<typeof instanceSpec>;

const exit = z.object({
  code: z.number().nullable(),
  signal: z.string().nullable(),
  at: z.number(),
});

/** What the supervisor says of its instance, rewritten on every change. */
export const supervisorState = z.object({
  status: z.enum(['running', 'restarting', 'crash-loop', 'stopped']),
  /** The instance process's pid while it runs. */
  pid: z.number().optional(),
  restarts: z.number().int(),
  lastExit: exit.optional(),
});

export type SupervisorState = z.infer<typeof supervisorState>;

/** The files of one local instance under `.mf/run/instances/`. */
export function instanceFiles(settings: LocalSettings, id: string) {
  const paths = statePaths(settings);
  return {
    /** The supervisor's pid. */
    pidFile: join(paths.instances, `${id}.pid`),
    specFile: join(paths.instances, `${id}.json`),
    stateFile: join(paths.instances, `${id}.state.json`),
    logFile: join(paths.logs, `${id}.log`),
  };
}

/** Writes `file` atomically (a reader never sees half of it). */
export function writeJsonFile(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** `file` parsed with `schema`, or undefined when it is missing or malformed. */
export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = parseJsonValue(schema, text);
  return parsed.success ? parsed.data : undefined;
}

/** One instance this checkout recorded, with what its supervisor last said. */
export interface RecordedInstance {
  spec: InstanceSpec;
  /** The supervisor's pid, when it runs. */
  supervisor?: number;
  state?: SupervisorState;
}

/** Every instance recorded under `.mf/run/instances/`, running or not. */
export function recordedInstances(settings: LocalSettings): RecordedInstance[] {
  const dir = statePaths(settings).instances;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && !file.endsWith('.state.json'))
    .flatMap((file) => {
      const spec = readJsonFile(join(dir, file), instanceSpec);
      if (!spec) return [];
      const files = instanceFiles(settings, spec.id);
      const supervisor = livePid(files.pidFile);
      const state = readJsonFile(files.stateFile, supervisorState);
      return [{ spec, ...(supervisor ? { supervisor } : {}), ...(state ? { state } : {}) }];
    });
}

/** Forgets an instance: its spec, state and pid files (its log stays). */
export function forgetInstance(settings: LocalSettings, id: string): void {
  const files = instanceFiles(settings, id);
  for (const file of [files.specFile, files.stateFile, files.pidFile])
    rmSync(file, { force: true });
}

/** Whether the instance process of a recorded instance is alive now. */
export function instanceAlive(recorded: RecordedInstance): boolean {
  const pid = recorded.state?.pid;
  return recorded.state?.status === 'running' && pid !== undefined && alive(pid);
}

/** How `mfps` shows the last exit: `-`, `exit 1`, `SIGKILL`, with `, gave up` in a crash loop. Pure. */
export function describeExit(state: SupervisorState | undefined): string {
  const last = state?.lastExit;
  if (!last) return '-';
  const how = last.signal ?? `exit ${last.code ?? '?'}`;
  return state.status === 'crash-loop' ? `${how}, gave up` : how;
}
