import { FIRST_LOAD_BUDGET_BYTES, kilobytes } from './budget.js';
import { buildClient, PUBLIC_DIR } from './client.js';

// `pnpm build` of the ui: the browser app, with its size against the budget.
const built = await buildClient();
for (const file of built.firstLoad) {
  process.stdout.write(`  ${file.fileName}  ${kilobytes(file.gzipBytes)} gzipped\n`);
}
process.stdout.write(
  `ui: first-load JavaScript ${kilobytes(built.firstLoadGzipBytes)} gzipped ` +
    `(budget ${kilobytes(FIRST_LOAD_BUDGET_BYTES)}); ${built.precompressed} files precompressed ` +
    `in ${PUBLIC_DIR}\n`,
);
