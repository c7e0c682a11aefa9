import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { alive, livePid } from '../infra/processes.js';
import { statePaths, type LocalSettings } from '../settings.js';
import {
  instanceSpec,
  readJsonFile,
  supervisorState,
  type InstanceSpec,
  type SupervisorState,
} from '../supervisor/records.js';

export {
  instanceSpec,
  readJsonFile,
  supervisorState,
  writeJsonFile,
  type InstanceSpec,
  type SupervisorState,
} from '../supervisor/records.js';

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
