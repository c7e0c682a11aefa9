import { z } from 'zod';

/** One line of an instance log: a pino JSON line, or raw text (a crash's stack trace). */
export interface LogLine {
  /** Milliseconds since the epoch; a raw line takes the time of the JSON line before it. */
  time: number;
  text: string;
  /** The request id of the line (`req.id`, `reqId`), if any. */
  requestId?: string;
  json: boolean;
}

const pinoLine = z.looseObject({
  time: z.number(),
  req: z.looseObject({ id: z.union([z.string(), z.number()]).optional() }).optional(),
  reqId: z.string().optional(),
});

/** Parses a log's text into lines. Pure. */
export function parseLog(text: string, previousTime = 0): LogLine[] {
  let time = previousTime;
  return text
    .split('\n')
    .filter((text) => text.trim() !== '')
    .map((text) => {
      const parsed = parseLine(text);
      if (!parsed) return { time, text, json: false };
      time = parsed.time;
      const id = parsed.req?.id ?? parsed.reqId;
      return { time, text, json: true, ...(id === undefined ? {} : { requestId: String(id) }) };
    });
}

function parseLine(text: string): z.infer<typeof pinoLine> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = pinoLine.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What `mflogs` keeps. */
export interface LogFilter {
  /** Keep lines at or after this time (ms since the epoch). */
  since?: number;
  requestId?: string;
}

/** Keeps the lines that pass `filter`. Pure. */
export function filterLines(lines: readonly LogLine[], filter: LogFilter): LogLine[] {
  return lines.filter(
    (line) =>
      (filter.since === undefined || line.time >= filter.since) &&
      (filter.requestId === undefined || line.requestId === filter.requestId),
  );
}

/** The lines of several logs, merged in time order (stable: a log's own order is kept). Pure. */
export function mergeLogs(logs: readonly (readonly LogLine[])[]): LogLine[] {
  return logs.flat().sort((a, b) => a.time - b.time);
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since` as milliseconds: `90s`, `10m`, `2h`, `1d`. Pure. @throws on anything else. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  const unit = UNITS[match?.[2] ?? ''];
  if (!match || unit === undefined)
    throw new Error(`bad duration "${text}": use e.g. 90s, 10m, 2h or 1d`);
  return Number(match[1]) * unit;
}
