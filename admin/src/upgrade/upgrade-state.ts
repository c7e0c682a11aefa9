import { parseJsonValue, type Etcd3 } from '@microflack/common/registry';
import { z } from 'zod';

/** An instance an upgrade stopped: its id and the version to bring back on abort. */
const stoppedInstance = z.object({ id: z.string(), version: z.string() });

/** The state of one service's upgrade, at `<prefix>/upgrades/<service>` until it ends. */
export const upgradeState = z.object({
  service: z.string(),
  kind: z.enum(['try', 'roll']),
  /** The version upgraded to. */
  to: z.string(),
  /**
   * running: a command works on it (`pid`); canary: a try left its canary beside the old ones;
   * failed: a roll stopped (`error`), abort undoes it; aborting: abort asked the command to stop.
   */
  phase: z.enum(['running', 'canary', 'failed', 'aborting']),
  /** The local instances to replace, as they were when the upgrade began. */
  from: z.array(z.string()),
  /** New instances started (UP), in order. */
  started: z.array(z.string()),
  /** Old instances stopped, in order. */
  stopped: z.array(stoppedInstance),
  /** The pid of the command working on it. */
  pid: z.number().int(),
  error: z.string().optional(),
  at: z.number(),
});

export type UpgradeState = z.infer<typeof upgradeState>;

/** The key of `service`'s upgrade state. */
export function upgradeKey(prefix: string, service: string): string {
  return `${upgradesPrefix(prefix)}${service}`;
}

function upgradesPrefix(prefix: string): string {
  return `${prefix}/upgrades/`;
}

/**
 * Creates the state of a new upgrade, only if none exists (an etcd transaction): two upgrades of
 * one service at once are refused. @returns the state already there when it was refused.
 */
export async function claimUpgrade(
  etcd: Etcd3,
  prefix: string,
  state: UpgradeState,
): Promise<UpgradeState | undefined> {
  const key = upgradeKey(prefix, state.service);
  const result = await etcd
    .if(key, 'Create', '==', 0)
    .then(etcd.put(key).value(JSON.stringify(state)))
    .commit();
  if (result.succeeded) return undefined;
  return (await readUpgrade(etcd, prefix, state.service)) ?? state;
}

/** Replaces the state of an upgrade. */
export async function saveUpgrade(etcd: Etcd3, prefix: string, state: UpgradeState): Promise<void> {
  await etcd.put(upgradeKey(prefix, state.service)).value(JSON.stringify(state));
}

/**
 * Replaces the state of an upgrade only if it is still `previous` (what this command last
 * wrote): false when another command changed it meanwhile (`abort`).
 */
export async function replaceUpgrade(
  etcd: Etcd3,
  prefix: string,
  previous: string,
  next: UpgradeState,
): Promise<boolean> {
  const key = upgradeKey(prefix, next.service);
  const result = await etcd
    .if(key, 'Value', '==', previous)
    .then(etcd.put(key).value(JSON.stringify(next)))
    .commit();
  return result.succeeded;
}

/** Ends an upgrade: its state goes. */
export async function endUpgrade(etcd: Etcd3, prefix: string, service: string): Promise<void> {
  await etcd.delete().key(upgradeKey(prefix, service));
}

/** The state of `service`'s upgrade, if one is under way. */
export async function readUpgrade(
  etcd: Etcd3,
  prefix: string,
  service: string,
): Promise<UpgradeState | undefined> {
  const text = await etcd.get(upgradeKey(prefix, service)).string();
  if (text === null) return undefined;
  const parsed = parseJsonValue(upgradeState, text);
  if (!parsed.success) throw new Error(`malformed upgrade state at ${upgradeKey(prefix, service)}`);
  return parsed.data;
}

/** Every upgrade under way, by service. */
export async function allUpgrades(etcd: Etcd3, prefix: string): Promise<UpgradeState[]> {
  const values = await etcd.getAll().prefix(upgradesPrefix(prefix)).strings();
  return Object.values(values)
    .flatMap((text) => {
      const parsed = parseJsonValue(upgradeState, text);
      return parsed.success ? [parsed.data] : [];
    })
    .sort((a, b) => a.service.localeCompare(b.service));
}

/** One line of `mfupgrade status`. Pure. */
export function describeUpgrade(state: UpgradeState): string {
  const done = `${state.stopped.length}/${state.from.length} replaced`;
  const phase =
    state.phase === 'failed'
      ? `failed: ${state.error ?? 'unknown error'} (mfupgrade abort ${state.service} undoes it)`
      : state.phase === 'running'
        ? `running (pid ${state.pid})`
        : state.phase;
  const started = state.started.length > 0 ? `; new: ${state.started.join(', ')}` : '';
  return `${state.service}: ${state.kind} to ${state.to}, ${done}, ${phase}${started}`;
}
