import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy of every ui answer. No inline script or style and no `eval`: the
 * app is files from this origin only. `connect-src 'self'` also covers `ws:`/`wss:` to the same
 * host and port (CSP Level 3), which is all Socket.IO needs; the browser tests check that the
 * WebSocket opens under this policy, and that nothing the app does is reported as a violation.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  // The DOM's HTML sinks (innerHTML and friends) take no plain string: the app inserts nodes,
  // and only DOMPurify's own policy may make HTML from a string.
  "require-trusted-types-for 'script'",
  'trusted-types dompurify',
].join('; ');

const HARDENING: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Sets the hardening headers on every answer, errors included. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(HARDENING);
  next();
};
