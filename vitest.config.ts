import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Sandboxes and stores are real servers/files: keep parallelism modest on 2-core machines.
    maxWorkers: 2,
  },
});
