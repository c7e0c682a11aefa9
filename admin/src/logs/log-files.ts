import { existsSync, openSync, readdirSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES } from '../catalog.js';

/** The instance logs under `logsDir` a target names: all, a service's, or one instance's. */
export function instanceLogs(logsDir: string, target?: string): string[] {
  if (!existsSync(logsDir)) return [];
  const services = SERVICES.map((service) => service.name);
  const matches = (id: string) =>
    target === undefined
      ? services.some((service) => id.startsWith(`${service}-`))
      : services.includes(target)
        ? id.startsWith(`${target}-`)
        : id === target;
  return readdirSync(logsDir)
    .filter((file) => file.endsWith('.log') && matches(file.slice(0, -'.log'.length)))
    .map((file) => join(logsDir, file));
}

/** Reads a file from `offset` to its current end. @returns the text and the new offset. */
export function readFrom(file: string, offset: number): { text: string; offset: number } {
  const size = statSync(file).size;
  if (size <= offset) return { text: '', offset: size };
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    // Only whole lines: a line being written is read on the next round.
    const end = buffer.subarray(0, read).lastIndexOf('\n') + 1;
    return { text: buffer.subarray(0, end).toString('utf8'), offset: offset + end };
  } finally {
    closeSync(fd);
  }
}
