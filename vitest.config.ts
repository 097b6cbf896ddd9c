import { defineConfig } from 'vitest/config';

/** One project per test folder, so a part runs alone: `npm run test:unit`, `npx vitest run --project security`. */
const FOLDERS = ['unit', 'contract', 'e2e', 'security', 'fault', 'browser'] as const;

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Sandboxes and stores are real servers/files: keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    projects: FOLDERS.map((name) => ({ extends: true, test: { name, include: [`test/${name}/**/*.test.ts`] } })),
  },
});
