import { lookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Ranges a preview must never reach: "this" network, private, carrier-grade NAT, loopback,
// link-local, IETF/benchmark/documentation, multicast and reserved (IPv4); unspecified,
// loopback and IPv4-compatible, IPv4-mapped and NAT64 (they can hide any IPv4 address),
// discard, documentation, 6to4, unique-local, link-local, site-local and multicast (IPv6).
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
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

/** The addresses previews may not connect to: private, loopback, link-local and reserved. */
export function privateRanges(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of BLOCKED_V4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of BLOCKED_V6) list.addSubnet(network, prefix, 'ipv6');
  return list;
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
export function addressPolicy(allowPrivate: boolean, blocked = privateRanges()): AddressPolicy {
  return {
    allows(address) {
      if (allowPrivate) return true;
      const family = isIP(address);
      if (family === 0) return false;
      return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Throws {@link BlockedAddressError} when `address` is refused. */
export function assertAllowed(policy: AddressPolicy, address: string, host: string): void {
  if (!policy.allows(address)) {
    throw new BlockedAddressError(`${host} resolves to ${address}, which previews may not reach`);
  }
}

/**
 * A `lookup` for `http.request` that resolves as usual and then refuses when any address is
 * blocked: the check happens on the very addresses the socket connects to, so DNS rebinding
 * between a check and the connection cannot slip through.
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    lookup(hostname, all, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const refused = addresses.find(({ address }) => !policy.allows(address));
      const first = addresses[0];
      if (refused || !first) {
        const reason = refused
          ? new BlockedAddressError(`${hostname} resolves to ${refused.address}`)
          : new Error(`${hostname} has no address`);
        callback(reason, '', 0);
        return;
      }
      // With `all` (Node's happy-eyeballs connect asks for it) the list is returned whole.
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
