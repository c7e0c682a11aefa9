import { waitUntil, type Etcd3 } from '@microflack/common/registry';
import { alive } from '../infra/processes.js';
import { launchOne, pruneUnused, readyRelease, type Say } from '../local/launch.js';
import { spawnInstance, stopInstance } from '../local/instances.js';
import { releaseExists, releaseOf, type Release } from '../local/releases.js';
import { recordedInstances } from '../local/supervision.js';
import type { LocalSettings } from '../settings.js';
import {
  claimUpgrade,
  describeUpgrade,
  endUpgrade,
  readUpgrade,
  replaceUpgrade,
  saveUpgrade,
  type UpgradeState,
} from './upgrade-state.js';

/** What every upgrade command works with. */
export interface UpgradeContext {
  settings: LocalSettings;
  etcd: Etcd3;
  say: Say;
  /** How long a new instance may take to register, and then to be UP. */
  timeoutMs: number;
}

/** The local instances of `service` whose supervisor runs, oldest first: id → version. */
function runningInstances(settings: LocalSettings, service: string): Map<string, string> {
  return new Map(
    recordedInstances(settings)
      .filter((recorded) => recorded.spec.service === service && recorded.supervisor !== undefined)
      .sort((a, b) => a.spec.id.localeCompare(b.spec.id))
      .map((recorded) => [recorded.spec.id, recorded.spec.version]),
  );
}

/** The ids of the running instances of `service` that do not run `version`. */
function oldInstances(settings: LocalSettings, service: string, version: string): string[] {
  return [...runningInstances(settings, service)]
    .filter(([, running]) => running !== version)
    .map(([id]) => id);
}

/** Starts one new instance; on failure, it is stopped and the error says which step failed. */
async function startNew(context: UpgradeContext, release: Release): Promise<string> {
  const { settings, etcd, say, timeoutMs } = context;
  const before = new Set(runningInstances(settings, release.service).keys());
  try {
    const spawned = await spawnInstance(settings, release);
    const instance = await launchOne(settings, etcd, spawned, say, timeoutMs);
    say(`${instance.id} is UP`);
    return instance.id;
  } catch (error) {
    for (const id of runningInstances(settings, release.service).keys())
      if (!before.has(id)) await stopInstance(settings, id);
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `the new ${release.service} ${release.version} did not become healthy: ${reason}`,
    );
  }
}

/** Claims the upgrade of `release.service`, or fails naming the one under way. */
async function claim(context: UpgradeContext, state: UpgradeState): Promise<void> {
  const existing = await claimUpgrade(context.etcd, context.settings.MF_ETCD_PREFIX, state);
  if (existing)
    throw new Error(`an upgrade is under way: ${describeUpgrade(existing)} (see mfupgrade status)`);
}

function newState(kind: UpgradeState['kind'], release: Release, from: string[]): UpgradeState {
  const { service, version: to } = release;
  return {
    service,
    kind,
    to,
    phase: 'running',
    from,
    started: [],
    stopped: [],
    pid: process.pid,
    at: Date.now(),
  };
}

/** `mfupgrade try`: one canary of the new release beside the old instances. */
export async function tryUpgrade(
  context: UpgradeContext,
  service: string,
  tag?: string,
): Promise<void> {
  const { settings, etcd, say } = context;
  const release = await readyRelease(settings, service, tag, say);
  const from = oldInstances(settings, service, release.version);
  if (from.length === 0)
    throw new Error(
      `${service} has no running local instance on another version than ${release.version}`,
    );
  const state = newState('try', release, from);
  await claim(context, state);
  try {
    state.started.push(await startNew(context, release));
  } catch (error) {
    await endUpgrade(etcd, settings.MF_ETCD_PREFIX, service);
    throw error;
  }
  await saveUpgrade(etcd, settings.MF_ETCD_PREFIX, { ...state, phase: 'canary' });
  say(
    `${service}: canary ${state.started[0]} runs ${release.version} beside ${from.length} old (roll to go on, abort to remove it)`,
  );
}

/** The state a roll works on: a canary of the same version is taken over, anything else refused. */
async function rollState(context: UpgradeContext, release: Release): Promise<UpgradeState> {
  const { settings, etcd } = context;
  const existing = await readUpgrade(etcd, settings.MF_ETCD_PREFIX, release.service);
  if (existing?.kind === 'try' && existing.phase === 'canary' && existing.to === release.version) {
    const state = {
      ...existing,
      kind: 'roll' as const,
      phase: 'running' as const,
      pid: process.pid,
    };
    await saveUpgrade(etcd, settings.MF_ETCD_PREFIX, state);
    return state;
  }
  const state = newState('roll', release, oldInstances(settings, release.service, release.version));
  await claim(context, state);
  return state;
}

/**
 * `mfupgrade roll <service>`: replaces every old instance, one at a time: start a new one, wait
 * until HAProxy has it UP, stop one old gracefully. A new instance that does not become healthy
 * stops the roll (the old ones keep serving); its state stays for `abort`.
 */
export async function rollService(
  context: UpgradeContext,
  service: string,
  tag?: string,
): Promise<void> {
  const { settings, etcd, say } = context;
  const prefix = settings.MF_ETCD_PREFIX;
  const release = await readyRelease(settings, service, tag, say);
  const state = await rollState(context, release);
  if (state.started.length === 0 && oldInstances(settings, service, release.version).length === 0) {
    await endUpgrade(etcd, prefix, service);
    say(`${service}: every local instance runs ${release.version} already`);
    return;
  }
  const versions = runningInstances(settings, service);
  const old = oldInstances(settings, service, release.version);
  // Every change is written only over what this roll wrote last: an abort in between stops it.
  let written = JSON.stringify(state);
  const record = async () => {
    if (!(await replaceUpgrade(etcd, prefix, written, state)))
      throw new Error(`the roll of ${service} was aborted`);
    written = JSON.stringify(state);
  };
  try {
    for (const [n, id] of old.entries()) {
      if (state.started.length <= n) {
        const started = await startNew(context, release);
        state.started.push(started);
        await record().catch(async (error: unknown) => {
          await stopInstance(settings, started); // not recorded: abort would not know it
          throw error;
        });
      }
      state.stopped.push({ id, version: versions.get(id) ?? release.version });
      await record(); // recorded before it is stopped, so an abort brings it back
      await stopInstance(settings, id);
      say(`stopped ${id} (${n + 1}/${old.length})`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.endsWith('was aborted')) await failRoll(context, state, message);
    throw error;
  }
  await endUpgrade(etcd, prefix, service);
  pruneUnused(settings, service);
  say(
    `${service}: rolled to ${release.version} (${state.started.length} new, ${old.length} replaced)`,
  );
}

/** Records a failed roll; when it changed nothing, its state simply goes. */
async function failRoll(
  context: UpgradeContext,
  state: UpgradeState,
  error: string,
): Promise<void> {
  const prefix = context.settings.MF_ETCD_PREFIX;
  if (state.started.length === 0 && state.stopped.length === 0)
    await endUpgrade(context.etcd, prefix, state.service);
  else await saveUpgrade(context.etcd, prefix, { ...state, phase: 'failed', error });
}

/**
 * `mfupgrade abort <service>`: stops the command working on the upgrade (if another one runs),
 * brings back as many instances of the old releases as it stopped, then stops the new ones.
 */
export async function abortUpgrade(context: UpgradeContext, service: string): Promise<void> {
  const { settings, etcd, say } = context;
  const prefix = settings.MF_ETCD_PREFIX;
  const state = await readUpgrade(etcd, prefix, service);
  if (!state) throw new Error(`no upgrade of ${service} is under way`);
  if (state.phase === 'running' && state.pid !== process.pid && alive(state.pid)) {
    await saveUpgrade(etcd, prefix, { ...state, phase: 'aborting' });
    say(`${service}: asked the ${state.kind} (pid ${state.pid}) to stop`);
    await waitUntil(() => !alive(state.pid), {
      what: `pid ${state.pid} to stop`,
      timeoutMs: 120_000,
    });
  }
  const latest = (await readUpgrade(etcd, prefix, service)) ?? state;
  for (const { version } of latest.stopped) {
    const release = releaseOf(settings, service, version);
    if (!releaseExists(release)) throw new Error(`the release ${release.dir} is gone`);
    const id = await startNew(context, release);
    say(`${service}: brought back ${version} as ${id}`);
  }
  for (const id of latest.started) {
    await stopInstance(settings, id);
    say(`stopped ${id}`);
  }
  await endUpgrade(etcd, prefix, service);
  say(`${service}: upgrade to ${latest.to} aborted`);
}
