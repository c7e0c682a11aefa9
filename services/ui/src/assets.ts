import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

/** One file of the built app, held in memory with its precompressed forms. */
export interface Asset {
  body: Buffer;
  /** The `.br` file written next to it at build time, when it was worth writing. */
  br?: Buffer;
  /** The `.gz` file written next to it at build time, when it was worth writing. */
  gzip?: Buffer;
  /** The Content-Type to send. */
  type: string;
  /** A strong validator of the uncompressed content. */
  etag: string;
  /** Whether the name carries a content hash (Vite's `assets/` folder): cacheable for ever. */
  immutable: boolean;
}

/** The built app by URL path (`/index.html`, `/assets/index-3f2a.js`, …). */
export type Assets = ReadonlyMap<string, Asset>;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const PRECOMPRESSED = { '.br': 'br', '.gz': 'gzip' } as const;

/** Vite writes every hashed file under this folder. */
export const HASHED_DIR = '/assets/';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function urlPath(dir: string, file: string): string {
  return `/${relative(dir, file).split(sep).join('/')}`;
}

/**
 * Reads the built app into memory (it is small, and this way a request never touches the disk).
 * `x.js.br` and `x.js.gz` become the compressed forms of `x.js`, not files of their own.
 * @throws when `dir` holds no `index.html`: the app was not built (`pnpm build`).
 */
export async function loadAssets(dir: string): Promise<Assets> {
  const files = await filesUnder(dir).catch(() => []);
  const assets = new Map<string, Asset>();
  const compressed: [string, keyof typeof PRECOMPRESSED][] = [];
  for (const file of files) {
    const extension = extname(file);
    if (extension === '.br' || extension === '.gz') {
      compressed.push([file, extension]);
      continue;
    }
    const body = await readFile(file);
    const path = urlPath(dir, file);
    assets.set(path, {
      body,
      type: TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: path.startsWith(HASHED_DIR),
    });
  }
  for (const [file, extension] of compressed) {
    const asset = assets.get(urlPath(dir, file.slice(0, -extension.length)));
    if (asset) asset[PRECOMPRESSED[extension]] = await readFile(file);
  }
  if (!assets.has('/index.html')) {
    throw new Error(`no index.html in ${dir}: build the app first (pnpm build)`);
  }
  return assets;
}
