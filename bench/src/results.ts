// The benchmark's results: the table on the terminal, the JSON file, the comparison with an
// earlier run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { z } from 'zod';
import type { Row } from './scenarios/row.js';

const RESULTS = new URL('../results/', import.meta.url);

/** Prints every row as one Markdown table. */
export function printTable(rows: readonly Row[]): void {
  console.log('| scenario | measure | result | baseline | ratio | target |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const ratio = row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`;
    console.log(
      `| ${row.scenario} | ${row.what} | ${row.measured} | ${row.baseline} | ${ratio} | ${row.target} |`,
    );
  }
}

/** Writes bench/results/<timestamp>.json (git-ignored); returns its path. */
export function saveResults(rows: readonly Row[], run: Record<string, unknown>): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = new URL(`${new Date().toISOString().replaceAll(':', '-')}.json`, RESULTS);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' };
  writeFileSync(file, `${JSON.stringify({ run, machine, rows }, null, 2)}\n`);
  return file.pathname;
}

const savedRows = z.object({
  rows: z.array(
    z.looseObject({ what: z.string(), measured: z.string(), ratio: z.number().optional() }),
  ),
});

/** Prints, for each row also in `file`, the earlier result and ratio next to this run's. */
export function compareWith(file: string, rows: readonly Row[]): void {
  const earlier = new Map(
    savedRows.parse(JSON.parse(readFileSync(file, 'utf8'))).rows.map((row) => [row.what, row]),
  );
  console.log(`\ncompared with ${file}:\n| measure | then | now |\n|---|---|---|`);
  for (const row of rows) {
    const then = earlier.get(row.what);
    if (then === undefined) continue;
    const ratio = (r: number | undefined) => (r === undefined ? '' : ` (${r.toFixed(2)}×)`);
    console.log(
      `| ${row.what} | ${then.measured}${ratio(then.ratio)} | ${row.measured}${ratio(row.ratio)} |`,
    );
  }
}
