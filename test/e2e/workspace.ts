import { cpSync, mkdirSync, mkdtempSync, promises as fs, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';

/**
 * A fresh copy of migrations-sample for one flow, with its own empty database on the test
 * cluster, named `dev` in the folder's settings, and the cached Alembic 1.20 venv linked in as
 * `.venv` beside alembic.ini, which is where Alembic Pilot looks for Alembic when nothing else
 * is configured (the workbench has no Python extension).
 */

const repo = path.resolve(__dirname, '../..');
let counter = 0;

export interface SampleWorkspace {
  folder: string;
  /** The folder's .vscode/settings.json, as it is now. */
  settings(): Record<string, unknown>;
  versions: string;
  databaseUrl: string;
  /** The version table's rows, sorted; empty when the table does not exist. */
  versionRows(): Promise<string[]>;
  /** Tables of a schema, to check that migrations really ran. */
  tables(schema?: string): Promise<string[]>;
  dispose(): Promise<void>;
}

export interface SampleOptions {
  adminUrl: string;
  python: string;
  /** Name a database in the folder's settings (default true). */
  database?: boolean;
  /** Extra settings for .vscode/settings.json. */
  settings?: Record<string, unknown>;
}

export async function sampleWorkspace(options: SampleOptions): Promise<SampleWorkspace> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-e2e-ws-'));
  cpSync(path.join(repo, 'migrations-sample'), folder, { recursive: true });
  const dbName = `e2e_${process.pid}_${++counter}_${Date.now() % 100000}`;
  const databaseUrl = await createDatabase(options.adminUrl, dbName);
  // The venv's bin/python resolves its packages through pyvenv.cfg next to it, so a link to the
  // venv folder works like the venv itself.
  symlinkSync(path.dirname(path.dirname(options.python)), path.join(folder, '.venv'));
  const settings: Record<string, unknown> = { ...options.settings };
  // Settings never hold a password: the extension asks for one when the server wants it.
  const settingsUrl = new URL(databaseUrl);
  settingsUrl.password = '';
  if (options.database !== false) settings['alembicPilot.databases'] = [{ name: 'dev', url: settingsUrl.toString() }];
  mkdirSync(path.join(folder, '.vscode'));
  await fs.writeFile(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return {
    folder,
    settings: () => JSON.parse(readFileSync(path.join(folder, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>,
    versions: path.join(folder, 'alembic', 'versions'),
    databaseUrl,
    versionRows: () =>
      withClient(databaseUrl, async (c) => {
        const exists = await c.query<{ t: string | null }>("SELECT to_regclass('alembic_version')::text AS t");
        if (exists.rows[0]?.t == null) return [];
        return (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num).sort();
      }),
    tables: (schema = 'public') =>
      withClient(databaseUrl, async (c) => (await c.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema])).rows.map((r) => r.tablename)),
    dispose: async () => {
      await dropDatabase(options.adminUrl, dbName).catch(() => undefined);
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
