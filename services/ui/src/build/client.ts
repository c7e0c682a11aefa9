import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';
import { FIRST_LOAD_BUDGET_BYTES, firstLoadFiles, kilobytes, type ChunkInfo } from './budget.js';
import { gzip, precompress } from './precompress.js';

const packageDir = new URL('../../', import.meta.url);

/** Where the browser app's sources are. */
export const WEB_DIR = fileURLToPath(new URL('web/', packageDir));
/** Where the built app goes; the ui serves this folder (`UI_PUBLIC_DIR`). */
export const PUBLIC_DIR = fileURLToPath(new URL('dist/public/', packageDir));

/** What a build produced, for the report it prints. */
export interface ClientBuild {
  /** The JavaScript files of the first load and their gzipped sizes. */
  firstLoad: { fileName: string; gzipBytes: number }[];
  firstLoadGzipBytes: number;
  precompressed: number;
}

function chunksOf(output: Rolldown.RolldownOutput): ChunkInfo[] {
  return output.output.flatMap((item) =>
    item.type === 'chunk'
      ? [{ fileName: item.fileName, isEntry: item.isEntry, imports: item.imports, code: item.code }]
      : [],
  );
}

/**
 * Builds the browser app with Vite into {@link PUBLIC_DIR}, writes the precompressed forms and
 * measures the first load's JavaScript.
 * @throws when the build fails or the first load is over its budget.
 */
export async function buildClient(): Promise<ClientBuild> {
  const result = await build({
    configFile: false,
    root: WEB_DIR,
    base: '/',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: PUBLIC_DIR,
      emptyOutDir: true,
      assetsDir: 'assets',
      target: 'es2022',
      // The polyfill would be inline script, which the Content-Security-Policy forbids.
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
    },
  });
  if (Array.isArray(result) || !('output' in result)) throw new Error('unexpected Vite result');
  const chunks = chunksOf(result);
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const firstLoad = firstLoadFiles(chunks).map((fileName) => ({
    fileName,
    gzipBytes: gzip(Buffer.from(byName.get(fileName)?.code ?? '')).length,
  }));
  const firstLoadGzipBytes = firstLoad.reduce((sum, file) => sum + file.gzipBytes, 0);
  if (firstLoadGzipBytes > FIRST_LOAD_BUDGET_BYTES) {
    throw new Error(
      `first-load JavaScript is ${kilobytes(firstLoadGzipBytes)} gzipped, over the ${kilobytes(FIRST_LOAD_BUDGET_BYTES)} budget`,
    );
  }
  return { firstLoad, firstLoadGzipBytes, precompressed: await precompress(PUBLIC_DIR) };
}
