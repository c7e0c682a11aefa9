import type { ErrorBody } from '@microflack/common';

/** An acknowledgement callback as Socket.IO hands it to a listener. */
export type Ack = (response: unknown) => void;

function isAck(value: unknown): value is Ack {
  return typeof value === 'function';
}

/**
 * Splits a listener's raw arguments into the payload and the ack, which by Socket.IO's
 * convention is the last argument when the client asked for one.
 */
export function splitAck(args: unknown[]): { params: unknown[]; ack: Ack | undefined } {
  const last = args.at(-1);
  return isAck(last) ? { params: args.slice(0, -1), ack: last } : { params: args, ack: undefined };
}

/** Answers through `ack` when the client gave one; a client that gave none just gets nothing. */
export function reply(ack: Ack | undefined, response: unknown): void {
  ack?.(response);
}

/** The ack error for a payload of the wrong shape. */
export function invalidPayload(usage: string): ErrorBody {
  return { error: `Invalid payload: ${usage}.`, code: 'invalid_payload' };
}
