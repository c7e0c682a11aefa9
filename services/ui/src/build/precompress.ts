import { readdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

// Text formats only: images and fonts are compressed already.
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt']);
// Below this a compressed body saves less than its own headers cost.
const MIN_BYTES = 256;

/** The gzip the server sends: what the budget is measured with too. */
export function gzip(body: Buffer): Buffer {
  return gzipSync(body, { level: 9 });
}

function brotli(body: Buffer): Buffer {
  return brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}

/**
 * Writes `x.br` and `x.gz` next to every text file of `dir` worth compressing, once, at build
 * time: the server then picks one per request without compressing anything.
 * @returns how many files got compressed forms.
 */
export async function precompress(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let count = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !COMPRESSIBLE.has(extname(entry.name))) continue;
    const file = join(entry.parentPath, entry.name);
    const body = await readFile(file);
    if (body.length < MIN_BYTES) continue;
    for (const [suffix, compress] of [
      ['.br', brotli],
      ['.gz', gzip],
    ] as const) {
      const compressed = compress(body);
      if (compressed.length < body.length) await writeFile(`${file}${suffix}`, compressed);
    }
    count++;
  }
  return count;
}
