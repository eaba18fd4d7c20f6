import { defineConfig } from 'vitest/config';

/**
 * The real-editor suite (`npm run test:e2e`): the packaged extension in a real VS Code
 * workbench, one flow at a time (each workbench takes about 1 GB and the machines have 2
 * cores), against the same throwaway PostgreSQL cluster and Alembic venv as the other tests.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/helpers/globalSetup.ts', 'test/e2e/globalSetup.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 40 * 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest-e2e.json' }]] : ['default'],
  },
});
