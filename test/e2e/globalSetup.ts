import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createHost } from './host';
import { RESULTS_DIR } from './results';

/**
 * Once per e2e run: checks that the packaged extension exists (`npm run test:e2e` packages it
 * first), installs the workbench host when the cache lacks it (code-server takes about 5
 * minutes on a new machine), installs the .vsix into this run's extensions folder, and starts
 * a fresh results folder.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const vsix = path.resolve(__dirname, '../../alembic-pilot.vsix');
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run test:e2e\`, which packages the extension first.`);
  await fs.rm(RESULTS_DIR, { recursive: true, force: true });
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const host = createHost();
  try {
    await host.installExtension(vsix);
  } catch (error) {
    await host.dispose();
    throw error;
  }
  project.provide('e2eHost', host.describe());
  return async () => {
    await host.dispose();
  };
}
