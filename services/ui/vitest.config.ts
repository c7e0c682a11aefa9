import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'ui',
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each browser test file starts a whole platform and a Chromium: one at a time is plenty
    // for a two-core machine.
    fileParallelism: false,
    // What a browser shows follows the network: give each poll a few seconds, not one.
    expect: { poll: { timeout: 5000 } },
  },
});
