import type Docker from 'dockerode';

/**
 * The text of a container's log as the engine sends it without a terminal: frames of an 8-byte
 * header (stream, 0, 0, 0, then the size, big-endian) and the bytes. Pure.
 */
export function demuxLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** A container's log (stdout and stderr), the last `tail` lines or all, since `since` (ms). */
export async function containerLog(
  docker: Docker,
  container: string,
  options: { tail?: number; since?: number } = {},
): Promise<string> {
  const buffer = await docker.getContainer(container).logs({
    stdout: true,
    stderr: true,
    follow: false,
    ...(options.tail === undefined ? {} : { tail: options.tail }),
    ...(options.since === undefined ? {} : { since: Math.floor(options.since / 1000) }),
  });
  return demuxLogs(buffer);
}
