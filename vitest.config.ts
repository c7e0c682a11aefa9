import { defineConfig } from 'vitest/config';

// The whole repository's tests: every package is a project with its own config.
export default defineConfig({
  test: {
    projects: ['common', 'admin', 'haproxy', 'services/*'],
  },
});
