import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { TextDecoder } from 'node:util';
import {
  assertAllowed,
  guardedLookup,
  type AddressPolicy,
  type Resolve,
} from './address-policy.js';

/** Bounds of one preview fetch. */
export interface FetchLimits {
  /** For the whole fetch, redirects included. */
  timeoutMs: number;
  /** Bytes of body read at most; the rest is never downloaded. */
  maxBytes: number;
  maxRedirects: number;
}

/** The production limits: 2 s, 512 KiB; a few redirects, each hop checked. */
export const PREVIEW_LIMITS: FetchLimits = {
  timeoutMs: 2000,
  maxBytes: 512 * 1024,
  maxRedirects: 3,
};

/** What a fetch may be given besides its limits. */
export interface FetchOptions {
  /** The deadline, when the caller's started earlier (waiting for a slot); else `timeoutMs`. */
  signal?: AbortSignal;
  /** How host names are resolved (tests inject one); the system resolver by default. */
  resolve?: Resolve;
}

/** Thrown when a page cannot be previewed (status, type, redirects, protocol). */
export class PageFetchError extends Error {
  override readonly name = 'PageFetchError';
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function checkTarget(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PageFetchError(`${url.protocol} links are not previewed`);
  }
  // Sockets skip `lookup` for IP literals, so those are checked here.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) assertAllowed(policy, host, url.hostname);
}

function get(
  url: URL,
  policy: AddressPolicy,
  signal: AbortSignal,
  resolveName: Resolve | undefined,
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        signal,
        agent: false,
        lookup: guardedLookup(policy, signal, resolveName),
        headers: { accept: 'text/html', 'user-agent': 'MicroFlack-LinkPreview/1.0' },
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function decoder(contentType: string): TextDecoder {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

async function readCapped(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    if (!Buffer.isBuffer(chunk)) continue;
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) break; // leaving the loop destroys the response: no more is read
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

/**
 * Fetches an HTML page for a preview under the SSRF guards: http(s) only, every hop's address
 * checked against `policy` (literal or resolved), redirects followed by hand, `text/html` only,
 * at most `maxBytes` read, everything (name lookups included) within `timeoutMs` or `signal`.
 * @returns the page's (possibly truncated) HTML.
 */
export async function fetchPage(
  url: string,
  policy: AddressPolicy,
  limits: FetchLimits = PREVIEW_LIMITS,
  options: FetchOptions = {},
): Promise<string> {
  const signal = options.signal ?? AbortSignal.timeout(limits.timeoutMs);
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    checkTarget(target, policy);
    const response = await get(target, policy, signal, options.resolve);
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      response.destroy();
      const location = response.headers.location;
      if (location === undefined) throw new PageFetchError(`${status} without a Location`);
      if (hop >= limits.maxRedirects) throw new PageFetchError('too many redirects');
      target = new URL(location, target);
      continue;
    }
    const contentType = response.headers['content-type'] ?? '';
    if (status !== 200 || !/^text\/html\b/i.test(contentType)) {
      response.destroy();
      throw new PageFetchError(`not an HTML page (${status} ${contentType})`);
    }
    return decoder(contentType).decode(await readCapped(response, limits.maxBytes));
  }
}
