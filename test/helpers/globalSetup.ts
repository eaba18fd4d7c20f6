import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres';
import { alembicPython } from './python';
import { redactSecrets, runChecked } from './run';

/**
 * Runs once per `vitest run` of the integration project, before any of its workers start. The
 * venv is built here rather than lazily in test files so that parallel workers never race to
 * create it, and one PostgreSQL cluster is shared by all test files (each file makes its own
 * database in it). The bundles in dist/ are built again here too: the integration tests run the
 * bundled CLI and server, and a dist/ left over from an older checkout would test old code.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // All three take a while, so they run side by side; if any fails, a started server is
  // stopped before the error is reported.
  const [venv, server, bundles] = await Promise.allSettled([alembicPython(), startPostgres(), buildBundles()]);
  if (venv.status === 'rejected' || server.status === 'rejected' || bundles.status === 'rejected') {
    if (server.status === 'fulfilled') await server.value.stop();
    const failed = [venv, server, bundles].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failed!.reason;
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

/** `npm run build` (esbuild.mjs), in its own process, as a developer would run it. */
async function buildBundles(): Promise<void> {
  const repo = path.resolve(__dirname, '../..');
  await runChecked(process.execPath, [path.join(repo, 'esbuild.mjs')], { cwd: repo, timeoutMs: 300_000 });
}
