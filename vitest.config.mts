import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure modules; no PostgreSQL, no Python, no bundle) and `integration`
 * (the real PostgreSQL, the real Alembic and the bundled CLI and server). Only the integration
 * project starts the database, builds the venv and rebuilds dist/, so `npm run test:unit`
 * (`vitest run --project unit`) gives feedback in seconds.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // CI also writes a machine-readable report, from which .ci/run prints the plain summary line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/helpers/globalSetup.ts'] },
      },
    ],
  },
});
