import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../../server/src/core/config';
import { readEnvPy, type EnvPyFacts } from '../../server/src/core/config/envPy';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { createDatabase, dropDatabase } from './postgres';
import { run, runChecked, type RunResult } from './run';

/**
 * A fresh copy of migrations-sample in a temporary folder, with its own database, for tests
 * that run Alembic or change files: nothing a test does leaks into the repository or into
 * another test.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SAMPLE_HEADS = ['ab93e5d7c162', 'e6a3f8c1b920'];

export interface SampleCopy {
  dir: string;
  ini: string;
  /** The copy's environment, read by the core like the server reads it. */
  env(): AlembicEnvironment & { envPy: EnvPyFacts };
  /** The copy's revision graph. */
  project(): RevisionProject;
  /** A database of its own (created by `withDatabase`), or undefined. */
  url: string | undefined;
  databaseName: string | undefined;
  /** Runs the real alembic on the copy with DATABASE_URL set to `url` (or the copy's database). */
  alembic(args: readonly string[], url?: string): Promise<RunResult>;
  /** Like alembic(), but rejects on failure. */
  alembicChecked(args: readonly string[], url?: string): Promise<RunResult>;
  remove(): Promise<void>;
}

let counter = 0;

/** Copies the sample; with `adminUrl`, also creates an empty database for it. */
export async function copySample(python: string, adminUrl?: string): Promise<SampleCopy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-sample-'));
  cpSync(path.join(REPO_ROOT, 'migrations-sample'), dir, { recursive: true });
  const databaseName = adminUrl === undefined ? undefined : `s_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const url = adminUrl === undefined ? undefined : await createDatabase(adminUrl, databaseName!);
  const ini = path.join(dir, 'alembic.ini');
  const envOf = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env['DATABASE_URL'];
    return env;
  };
  const copy: SampleCopy = {
    dir,
    ini,
    url,
    databaseName,
    env() {
      const env = loadEnvironment(ini);
      const file = path.join(env.scriptLocation!, 'env.py');
      return { ...env, envPy: readEnvPy(file, readFileSync(file, 'utf8')) };
    },
    project() {
      const project = new RevisionProject();
      project.loadFromDisk(listRevisionFiles(loadEnvironment(ini)));
      return project;
    },
    alembic(args, u = url) {
      const env = envOf();
      if (u !== undefined) env['DATABASE_URL'] = u;
      return run(python, ['-m', 'alembic', '-c', ini, ...args], { cwd: dir, env, timeoutMs: 120_000 });
    },
    alembicChecked(args, u = url) {
      const env = envOf();
      if (u !== undefined) env['DATABASE_URL'] = u;
      return runChecked(python, ['-m', 'alembic', '-c', ini, ...args], { cwd: dir, env, timeoutMs: 120_000 });
    },
    async remove() {
      rmSync(dir, { recursive: true, force: true });
      if (adminUrl !== undefined && databaseName !== undefined) await dropDatabase(adminUrl, databaseName);
    },
  };
  return copy;
}

/** Revision ids from `alembic heads`/`current` output such as `e6a3f8c1b920 (analytics) (head)`. */
export function revisionIds(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((id) => /^[0-9a-z_]+$/i.test(id))
    .sort();
}
