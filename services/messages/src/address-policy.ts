import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Ranges a preview must never reach: "this" network, private, carrier-grade NAT, loopback,
// link-local, IETF/benchmark/documentation, multicast and reserved (IPv4); unspecified,
// loopback and IPv4-compatible, IPv4-mapped, IPv4-translated, NAT64 and local-use NAT64 (they
// can hide any IPv4 address), discard, documentation, 6to4, unique-local, link-local, site-local
// and multicast (IPv6).
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
];
const BLOCKED_V6: [string, number][] = [
  ['::', 96],
  ['::ffff:0:0', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

/**
 * Ranges by family. Kept apart because a `BlockList` checks an IPv4 address against its IPv6
 * rules as `::ffff:a.b.c.d`: one list holding `::ffff:0:0/96` refuses every IPv4 address.
 */
export interface BlockedRanges {
  ipv4: BlockList;
  ipv6: BlockList;
}

/** The addresses previews may not connect to: private, loopback, link-local and reserved. */
export function privateRanges(): BlockedRanges {
  const ipv4 = new BlockList();
  const ipv6 = new BlockList();
  for (const [network, prefix] of BLOCKED_V4) ipv4.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of BLOCKED_V6) ipv6.addSubnet(network, prefix, 'ipv6');
  return { ipv4, ipv6 };
}

/** Thrown when a preview would reach an address the policy refuses. */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

/** Decides which addresses outgoing preview requests may connect to. */
export interface AddressPolicy {
  /** Whether `address` (an IP literal) may be connected to. */
  allows(address: string): boolean;
}

/** The production policy; with `allowPrivate` (tests only) everything is allowed. */
export function addressPolicy(
  allowPrivate: boolean,
  blocked: BlockedRanges = privateRanges(),
): AddressPolicy {
  return {
    allows(address) {
      if (allowPrivate) return true;
      const family = isIP(address);
      if (family === 4) return !blocked.ipv4.check(address, 'ipv4');
      return family === 6 && !blocked.ipv6.check(address, 'ipv6');
    },
  };
}

/** Throws {@link BlockedAddressError} when `address` is refused. */
export function assertAllowed(policy: AddressPolicy, address: string, host: string): void {
  if (!policy.allows(address)) {
    throw new BlockedAddressError(`${host} resolves to ${address}, which previews may not reach`);
  }
}

/** Resolves a host name to all its addresses; gives up when `signal` aborts. */
export type Resolve = (hostname: string, signal: AbortSignal) => Promise<LookupAddress[]>;

/**
 * The system resolver (getaddrinfo: /etc/hosts, then DNS), as sockets use it. It cannot be
 * cancelled: past the deadline its answer is ignored, though it keeps a libuv thread until the
 * system gives up on it.
 */
export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true });

/** Thrown when a preview's deadline passes before `work` is done. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** `work`, or a {@link DeadlineError} as soon as `signal` aborts. */
export function withinDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  const late = () => new DeadlineError(`gave up: ${String(signal.reason)}`);
  if (signal.aborted) return Promise.reject(late());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(late());
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The addresses of `family` (all when undefined) in `resolved`, or why none may be used. */
function usable(
  policy: AddressPolicy,
  hostname: string,
  resolved: LookupAddress[],
  family: number | undefined,
): [LookupAddress, ...LookupAddress[]] {
  const addresses = resolved.filter((address) => family === undefined || address.family === family);
  const refused = addresses.find(({ address }) => !policy.allows(address));
  if (refused) throw new BlockedAddressError(`${hostname} resolves to ${refused.address}`);
  const [first, ...rest] = addresses;
  if (!first) throw new Error(`${hostname} has no address`);
  return [first, ...rest];
}

/**
 * A `lookup` for `http.request` that resolves within the fetch's deadline and then refuses when
 * any address is blocked: the check happens on the very addresses the socket connects to, so DNS
 * rebinding between a check and the connection cannot slip through.
 */
export function guardedLookup(
  policy: AddressPolicy,
  signal: AbortSignal,
  resolve: Resolve = systemResolve,
): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : undefined;
    withinDeadline(resolve(hostname, signal), signal)
      .then((resolved) => usable(policy, hostname, resolved, family))
      .then(
        (addresses) => {
          // With `all` (Node's happy-eyeballs connect asks for it) the list is returned whole.
          if (options.all) callback(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)), '', 0);
        },
      );
  };
}
