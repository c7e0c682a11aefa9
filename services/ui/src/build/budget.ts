/** The most JavaScript a first load may fetch, gzipped. */
export const FIRST_LOAD_BUDGET_BYTES = 80 * 1024;

/** A chunk of the bundle as the budget sees it. */
export interface ChunkInfo {
  fileName: string;
  isEntry: boolean;
  /** Static imports: fetched with the entry, before the app runs. */
  imports: readonly string[];
  code: string;
}

/**
 * The files of the first load: every entry chunk and what it imports statically (dynamic imports
 * load later, when used).
 */
export function firstLoadFiles(chunks: readonly ChunkInfo[]): string[] {
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const imported of byName.get(name)?.imports ?? []) visit(imported);
  };
  for (const chunk of chunks) if (chunk.isEntry) visit(chunk.fileName);
  return [...seen].sort();
}

/** `12.3 KB` (1 KB = 1024 bytes). */
export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
