import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, promises as fs, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';
import { SEED_ROOT, type SeedName } from '../helpers/seedProjects';
import type { SampleWorkspace } from './workspace';

/**
 * A fresh copy of one of test/fixtures/seed-projects for a flow, with its own database on a
 * test cluster, the cached Alembic 1.20 venv linked in as `.venv` where the project keeps its
 * virtualenv, and the project's own .vscode/settings.json with the flow's settings over it.
 */

let counter = 0;

export interface SeedWorkspace extends SampleWorkspace {
  /** A path inside the copy. */
  file(relative: string): string;
  /** The database name (its URL's path). */
  databaseName: string;
}

export interface SeedWorkspaceOptions {
  seed: SeedName;
  adminUrl: string;
  python: string;
  /** The folder (relative to the project root) that gets the `.venv` link; none when undefined. */
  venvAt?: string;
  /** The version location, relative to the project root. */
  versions: string;
  /** Settings over the project's own (the flow's, and per-flow database names). */
  settings: Record<string, unknown> | ((databaseUrl: string) => Record<string, unknown>);
  /** Files to write once the database exists (`.env` files), relative to the project root. */
  files?: (databaseUrl: string) => Record<string, string>;
}

export async function seedWorkspace(options: SeedWorkspaceOptions): Promise<SeedWorkspace> {
  const folder = mkdtempSync(path.join(os.tmpdir(), `alembic-pilot-e2e-${options.seed.slice(0, 3)}-`));
  cpSync(path.join(SEED_ROOT, options.seed), folder, { recursive: true });
  const databaseName = `e2e_seed${options.seed.slice(0, 3)}_${process.pid}_${++counter}`;
  const databaseUrl = await createDatabase(options.adminUrl, databaseName);
  if (options.venvAt !== undefined) symlinkSync(path.dirname(path.dirname(options.python)), path.join(folder, options.venvAt, '.venv'));
  for (const [relative, text] of Object.entries(options.files?.(databaseUrl) ?? {})) await fs.writeFile(path.join(folder, relative), text);
  const settingsFile = path.join(folder, '.vscode', 'settings.json');
  const own = existsSync(settingsFile) ? (JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>) : {};
  const extra = typeof options.settings === 'function' ? options.settings(databaseUrl) : options.settings;
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  await fs.writeFile(settingsFile, JSON.stringify({ ...own, ...extra }, null, 2));
  return {
    folder,
    versions: path.join(folder, options.versions),
    databaseUrl,
    databaseName,
    file: (relative) => path.join(folder, relative),
    settings: () => JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>,
    versionRows: () =>
      withClient(databaseUrl, async (c) => {
        const exists = await c.query<{ t: string | null }>("SELECT to_regclass('alembic_version')::text AS t");
        if (exists.rows[0]?.t == null) return [];
        return (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num).sort();
      }),
    tables: (schema = 'public') =>
      withClient(databaseUrl, async (c) => (await c.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema])).rows.map((r) => r.tablename)),
    dispose: async () => {
      await dropDatabase(options.adminUrl, databaseName).catch(() => undefined);
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Files under `dir` (following no links) whose bytes contain any of `secrets`, skipping the
 * folders in `skip` (the browser profile, which is code-server's secret store).
 */
export function filesContaining(dir: string, secrets: readonly string[], skip: readonly string[] = []): { searched: number; bytes: number; hits: string[] } {
  const out = { searched: 0, bytes: 0, hits: [] as string[] };
  const needles = secrets.map((s) => Buffer.from(s, 'utf8'));
  const walk = (current: string): void => {
    if (skip.some((s) => path.resolve(current) === path.resolve(s))) return;
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry);
      if (skip.some((s) => path.resolve(full) === path.resolve(s))) continue;
      let stat;
      try {
        stat = lstatSync(full, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (!stat) continue;
      if (stat.isDirectory()) {
        walk(full);
        continue;
      }
      if (!stat.isFile()) continue;
      let bytes: Buffer;
      try {
        bytes = readFileSync(full);
      } catch {
        continue;
      }
      out.searched++;
      out.bytes += bytes.length;
      if (needles.some((n) => bytes.includes(n))) out.hits.push(full);
    }
  };
  walk(dir);
  return out;
}
