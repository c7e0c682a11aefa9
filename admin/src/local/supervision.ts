import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { livePid, parentOf } from '../infra/processes.js';
import { statePaths, type LocalSettings } from '../settings.js';
import {
  instanceSpec,
  readJsonFile,
  supervisorState,
  type InstanceSpec,
  type SupervisorState,
} from '../supervisor/records.js';

export {
  appendNote,
  instanceSpec,
  readJsonFile,
  supervisorState,
  writeJsonFile,
  type InstanceSpec,
  type SupervisorState,
} from '../supervisor/records.js';

/** The supervisor every instance and the watcher run under (its pid files name it). */
export const SUPERVISOR = fileURLToPath(new URL('../supervisor/main.js', import.meta.url));

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
      const supervisor = livePid(files.pidFile, SUPERVISOR);
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

/**
 * The pid of an instance's process while it runs: the pid its supervisor recorded in `state`, if
 * that process is still the running `supervisor`'s child (never a stranger that got the pid since).
 */
export function instancePid(
  state: SupervisorState | undefined,
  supervisor: number | undefined,
): number | undefined {
  const pid = state?.status === 'running' ? state.pid : undefined;
  return pid !== undefined && supervisor !== undefined && parentOf(pid) === supervisor
    ? pid
    : undefined;
}

/** Whether the instance process of a recorded instance is alive now. */
export function instanceAlive(recorded: RecordedInstance): boolean {
  return instancePid(recorded.state, recorded.supervisor) !== undefined;
}

/** How `mfps` shows the last exit: `-`, `exit 1`, `SIGKILL`, with `, gave up` in a crash loop. Pure. */
export function describeExit(state: SupervisorState | undefined): string {
  const last = state?.lastExit;
  if (!last) return '-';
  const how = last.signal ?? `exit ${last.code ?? '?'}`;
  return state.status === 'crash-loop' ? `${how}, gave up` : how;
}
