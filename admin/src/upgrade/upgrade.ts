import { waitUntil, type Etcd3 } from '@microflack/common/registry';
import { alive } from '../infra/processes.js';
import type { Runtime, RuntimeRelease, Say } from '../runtime.js';
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
  runtime: Runtime;
  etcd: Etcd3;
  say: Say;
  /** How long a new instance may take to register, and then to be UP. */
  timeoutMs: number;
}

/** The running instances of `service`, oldest first: id → version. */
async function runningInstances(runtime: Runtime, service: string): Promise<Map<string, string>> {
  const instances = await runtime.instances(service);
  return new Map(
    instances
      .filter((instance) => instance.running)
      .map((instance) => [instance.id, instance.version]),
  );
}

/** The ids of the running instances of `service` that do not run `version`. */
async function oldInstances(runtime: Runtime, service: string, version: string): Promise<string[]> {
  return [...(await runningInstances(runtime, service))]
    .filter(([, running]) => running !== version)
    .map(([id]) => id);
}

/** Starts one new instance; on failure, it is stopped and the error says which step failed. */
async function startNew(context: UpgradeContext, release: RuntimeRelease): Promise<string> {
  const { runtime, etcd, say, timeoutMs } = context;
  const before = new Set((await runningInstances(runtime, release.service)).keys());
  try {
    const id = await runtime.startOne(etcd, release, say, timeoutMs);
    say(`${id} is UP`);
    return id;
  } catch (error) {
    for (const id of (await runningInstances(runtime, release.service)).keys())
      if (!before.has(id)) await runtime.stop(id);
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

function newState(
  kind: UpgradeState['kind'],
  release: RuntimeRelease,
  from: string[],
): UpgradeState {
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
  const { settings, runtime, etcd, say } = context;
  const release = await runtime.release(service, tag, say);
  const from = await oldInstances(runtime, service, release.version);
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
async function rollState(context: UpgradeContext, release: RuntimeRelease): Promise<UpgradeState> {
  const { settings, runtime, etcd } = context;
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
  const old = await oldInstances(runtime, release.service, release.version);
  const state = newState('roll', release, old);
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
  const { settings, runtime, etcd, say } = context;
  const prefix = settings.MF_ETCD_PREFIX;
  const release = await runtime.release(service, tag, say);
  const state = await rollState(context, release);
  const versions = await runningInstances(runtime, service);
  const old = await oldInstances(runtime, service, release.version);
  if (state.started.length === 0 && old.length === 0) {
    await endUpgrade(etcd, prefix, service);
    say(`${service}: every instance runs ${release.version} already`);
    return;
  }
  if (runtime.roll) {
    await runtime.roll(service, release, say, context.timeoutMs).catch(async (error: unknown) => {
      await failRoll(context, state, error instanceof Error ? error.message : String(error));
      throw error;
    });
    await endUpgrade(etcd, prefix, service);
    say(`${service}: rolled to ${release.version} (${old.length} replaced)`);
    return;
  }
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
          await runtime.stop(started); // not recorded: abort would not know it
          throw error;
        });
      }
      state.stopped.push({ id, version: versions.get(id) ?? release.version });
      await record(); // recorded before it is stopped, so an abort brings it back
      await runtime.stop(id);
      say(`stopped ${id} (${n + 1}/${old.length})`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.endsWith('was aborted')) await failRoll(context, state, message);
    throw error;
  }
  await endUpgrade(etcd, prefix, service);
  await runtime.prune(service);
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
  const { settings, runtime, etcd, say } = context;
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
    const id = await startNew(context, runtime.previousRelease(service, version));
    say(`${service}: brought back ${version} as ${id}`);
  }
  for (const id of latest.started) {
    await runtime.stop(id);
    say(`stopped ${id}`);
  }
  await endUpgrade(etcd, prefix, service);
  say(`${service}: upgrade to ${latest.to} aborted`);
}
