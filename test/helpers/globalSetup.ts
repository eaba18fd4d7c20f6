import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres';
import { alembicPython } from './python';
import { redactSecrets } from './run';

/**
 * Runs once per `vitest run`, before any worker starts. The venv is built here rather than
 * lazily in test files so that parallel workers never race to create it, and one PostgreSQL
 * cluster is shared by all test files (each file makes its own database in it).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Both take a while, so they run side by side; if either fails, a started server is stopped
  // before the error is reported.
  const [venv, server] = await Promise.allSettled([alembicPython(), startPostgres()]);
  if (venv.status === 'rejected' || server.status === 'rejected') {
    if (server.status === 'fulfilled') await server.value.stop();
    throw venv.status === 'rejected' ? venv.reason : (server as PromiseRejectedResult).reason;
  }
  const python = venv.value;
  const postgres = server.value;
  project.provide('alembicPython', python);
  project.provide('databaseUrl', postgres.url);
  if (process.env.ALEMBIC_PILOT_VERBOSE) {
    console.log(`alembic venv: ${python}\nPostgreSQL: ${redactSecrets(postgres.url)}`);
  }
  return async () => {
    await postgres.stop();
  };
}
