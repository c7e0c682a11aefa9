import { defineConfig } from 'vitest/config';

// `pnpm test:docker` only: not a `*/vitest.config.ts`, so the main suite does not pick it up.
// A cold image build on a busy two-core machine takes many minutes: the hooks get them.
export default defineConfig({
  test: {
    name: 'docker',
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 1_800_000,
    fileParallelism: false,
  },
});
