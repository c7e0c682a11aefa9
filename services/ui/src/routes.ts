import { Router, type Request, type Response } from 'express';
import type { Asset, Assets } from './assets.js';
import { chooseCoding, type Coding } from './encoding.js';

/** Hashed names change with their content, so a browser may keep them for a year untouched. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else is revalidated on each use (a cheap 304 thanks to the ETag). */
export const REVALIDATE = 'no-cache';

// Paths another service owns: unknown ones there are a JSON 404, never the app's page.
const NOT_PAGES = /^\/(api|socket\.io)(\/|$)/;

/** Whether `path` is a place in the app (served the page) rather than a missing file (a 404). */
export function isAppPath(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !NOT_PAGES.test(path) && !last.includes('.');
}

function send(req: Request, res: Response, asset: Asset): void {
  const available = (['br', 'gzip'] as const).filter((coding) => asset[coding] !== undefined);
  const coding: Coding | undefined = chooseCoding(req.get('accept-encoding'), available);
  res.set({
    'Content-Type': asset.type,
    'Cache-Control': asset.immutable ? IMMUTABLE : REVALIDATE,
    Vary: 'Accept-Encoding',
    // Each representation has its own validator, as intermediaries expect.
    ETag: coding ? asset.etag.replace(/"$/, `-${coding}"`) : asset.etag,
  });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  if (coding) res.set('Content-Encoding', coding);
  res.send(coding ? asset[coding] : asset.body);
}

/**
 * The app: its files by path, and `index.html` for `/` and for every other place in the app
 * (deep links); anything else falls through to the JSON 404.
 */
export function uiRoutes(assets: Assets): Router {
  const index = assets.get('/index.html');
  if (!index) throw new Error('the app has no index.html');
  const router = Router();
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const asset = assets.get(req.path) ?? (isAppPath(req.path) ? index : undefined);
    if (asset) send(req, res, asset);
    else next();
  });
  return router;
}
