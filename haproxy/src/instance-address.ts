import { isIPv4, isIPv6 } from 'node:net';

/** A DNS label; `_` is allowed, as container runtimes name hosts with it. */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * Why HAProxy would refuse `address` (`host:port`) on a server line or `add server`, or undefined
 * when it takes it. Stricter than the registry's schema, which admits port 0 (HAProxy: "neither
 * service port nor check port", fatal for the whole configuration) and names like `...`. Pure.
 */
export function addressProblem(address: string): string | undefined {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = address.slice(colon + 1);
  if (colon < 0 || !/^[1-9]\d{0,4}$/.test(port) || Number(port) > 65535)
    return `address ${address}: the port must be 1 to 65535`;
  if (host.startsWith('[') && host.endsWith(']') && isIPv6(host.slice(1, -1))) return undefined;
  if (isIPv4(host)) return undefined;
  const labels = host.split('.');
  const numeric = labels.every((label) => /^\d+$/.test(label));
  if (host.length > 253 || numeric || !labels.every((label) => LABEL.test(label)))
    return `address ${address}: not an IP address or host name`;
  return undefined;
}
