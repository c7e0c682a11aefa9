// The supervisor's records. The supervisor imports only this module and Node's own: it starts
// with every instance, so it loads nothing it does not need (common's index loads etcd, pg, …).
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

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
  /** The program and its arguments, when not `node <release>/dist/main.js` (HAProxy's master). */
  command: z.array(z.string()).min(1).optional(),
  logFile: z.string(),
  stateFile: z.string(),
  /** The user the instance runs as, when the supervisor (root) starts it as another. */
  runAs: z.object({ user: z.string(), uid: z.number().int(), gid: z.number().int() }).optional(),
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

/**
 * Appends a pino-shaped line about `spec`'s instance to its log, so `mflogs` shows the
 * supervisor's and the admin commands' notes among the instance's own lines.
 */
export function appendNote(
  spec: Pick<InstanceSpec, 'id' | 'service' | 'logFile'>,
  level: number,
  msg: string,
  extra: object = {},
): void {
  const line = { level, time: Date.now(), pid: process.pid, name: 'supervisor' };
  const context = { service: spec.service, instance: spec.id, ...extra, msg };
  appendFileSync(spec.logFile, `${JSON.stringify({ ...line, ...context })}\n`);
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
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: half-written by hand, or not ours
  }
}
