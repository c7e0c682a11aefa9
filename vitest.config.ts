import { defineConfig } from 'vitest/config';

// The whole repository's tests: every package is a project with its own config. The JSON report
// lets CI print a plain "N passed, N failed" line.
export default defineConfig({
  test: {
    projects: ['*/vitest.config.ts', 'services/*/vitest.config.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.mf/test-results.json' },
  },
});
