import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { dialectOf, isPlaceholderUrl, redactUrl, type Dialect } from '../core/config/sqlalchemyUrl';

/**
 * Which database an environment's state and runs use. In order: a named database from the
 * `alembicPilot.databases` setting (the active one, else the first for this environment); else
 * `DATABASE_URL` from the process environment or the environment's `.env`; else the config's
 * `sqlalchemy.url`, unless it is Alembic's placeholder.
 */

/** One entry of the `alembicPilot.databases` setting. */
export interface NamedDatabase {
  name: string;
  /** The config file it belongs to (absolute, or relative to the workspace folder); every environment when absent. */
  config?: string;
  /** With `config`: the ini section, when the file has several environments. */
  section?: string;
  url: string;
  /** Runs against it ask the user to type its name. */
  production: boolean;
}

/** What an environment must tell us to resolve its database; `EnvironmentInfo` has all of it. */
export interface DatabaseEnvironment {
  configFile: string;
  section: string;
  /** The config file's folder, where `.env` is looked for first. */
  here: string;
  /** The config's `sqlalchemy.url`; may hold a password. */
  sqlalchemyUrl?: string;
}

export type UrlSource = 'named' | 'process-env' | 'dotenv' | 'config' | 'command-line';

export interface ResolvedDatabase {
  /** May hold a password: never log it; use `display`. */
  url: string;
  display: string;
  source: UrlSource;
  /** For `named`: the entry's name. */
  name?: string;
  production: boolean;
  /** For `dotenv`: the .env file it came from. */
  file?: string;
  dialect: Dialect | undefined;
}

/**
 * Validates the setting's raw value (it arrives as `unknown` from the editor). Bad entries are
 * left out with a problem each, so one typo does not hide the other databases.
 */
export function parseDatabasesSetting(value: unknown): { databases: NamedDatabase[]; problems: string[] } {
  const problems: string[] = [];
  if (value === undefined || value === null) return { databases: [], problems };
  if (!Array.isArray(value)) return { databases: [], problems: ['alembicPilot.databases must be a list of {name, url, config, production} objects'] };
  const databases: NamedDatabase[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of value.entries()) {
    const where = `alembicPilot.databases[${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${where} is not an object`);
      continue;
    }
    const r = raw as Record<string, unknown>;
    if (typeof r['name'] !== 'string' || r['name'].trim() === '') {
      problems.push(`${where} needs a "name"`);
      continue;
    }
    if (typeof r['url'] !== 'string' || r['url'].trim() === '') {
      problems.push(`${where} (${r['name']}) needs a "url"`);
      continue;
    }
    const entry: NamedDatabase = { name: r['name'].trim(), url: r['url'].trim(), production: r['production'] === true };
    if (typeof r['config'] === 'string' && r['config'].trim() !== '') entry.config = r['config'].trim();
    if (typeof r['section'] === 'string' && r['section'].trim() !== '') entry.section = r['section'].trim();
    if (r['production'] !== undefined && typeof r['production'] !== 'boolean') problems.push(`${where} (${entry.name}): "production" must be true or false`);
    const id = `${entry.config ?? ''}\0${entry.section ?? ''}\0${entry.name}`;
    if (seen.has(id)) problems.push(`${where}: the name ${entry.name} is used twice for the same config; the first one is used`);
    else {
      seen.add(id);
      databases.push(entry);
    }
  }
  return { databases, problems };
}

/**
 * The named databases of one environment, in setting order: entries whose `config` names its
 * config file (and section, when given), and entries without `config`.
 */
export function databasesFor(env: DatabaseEnvironment, databases: readonly NamedDatabase[], workspaceFolder?: string): NamedDatabase[] {
  const configFile = path.resolve(env.configFile);
  return databases.filter((d) => {
    if (d.config === undefined) return true;
    const file = path.resolve(workspaceFolder ?? env.here, d.config);
    const matches = file === configFile || path.join(file, path.basename(configFile)) === configFile;
    return matches && (d.section === undefined || d.section === env.section);
  });
}

export interface ResolveOptions {
  /** The parsed `alembicPilot.databases` setting. */
  databases?: readonly NamedDatabase[];
  /** The name the user picked for this environment; the first named database when absent or gone. */
  active?: string;
  /** Relative `config` paths of named databases are resolved against it. */
  workspaceFolder?: string;
  /** The run's working directory (`alembicPilot.cwd`); its `.env` is read after the config folder's. */
  cwd?: string;
  /** The environment of the process; `process.env` when absent. */
  processEnv?: NodeJS.ProcessEnv;
  /** A URL given on the command line (`status --url`), which wins over everything. */
  commandLineUrl?: string;
}

/**
 * The database of an environment, or undefined when none is configured anywhere. The process
 * environment's `DATABASE_URL` wins over a `.env` file's, as with python-dotenv's `load_dotenv`,
 * so that our choice is the one an env.py that loads .env would make.
 */
export async function resolveDatabase(env: DatabaseEnvironment, options: ResolveOptions = {}): Promise<ResolvedDatabase | undefined> {
  const make = (url: string, source: UrlSource, extra: Partial<ResolvedDatabase> = {}): ResolvedDatabase => ({
    url,
    display: redactUrl(url),
    source,
    production: false,
    dialect: dialectOf(url),
    ...extra,
  });
  if (options.commandLineUrl !== undefined && options.commandLineUrl.trim() !== '') return make(options.commandLineUrl.trim(), 'command-line');
  const named = databasesFor(env, options.databases ?? [], options.workspaceFolder);
  if (named.length > 0) {
    const chosen = named.find((d) => d.name === options.active) ?? named[0]!;
    return make(chosen.url, 'named', { name: chosen.name, production: chosen.production });
  }
  const processUrl = (options.processEnv ?? process.env)['DATABASE_URL'];
  if (processUrl !== undefined && processUrl.trim() !== '') return make(processUrl.trim(), 'process-env');
  for (const folder of dotenvFolders(env, options.cwd)) {
    const found = await readDotenv(folder);
    const url = found?.values['DATABASE_URL'];
    if (found && url !== undefined && url.trim() !== '') return make(url.trim(), 'dotenv', { file: found.file });
  }
  if (!isPlaceholderUrl(env.sqlalchemyUrl)) return make(env.sqlalchemyUrl!.trim(), 'config');
  return undefined;
}

function dotenvFolders(env: DatabaseEnvironment, cwd: string | undefined): string[] {
  const folders = [path.resolve(env.here)];
  if (cwd !== undefined && !folders.includes(path.resolve(cwd))) folders.push(path.resolve(cwd));
  return folders;
}

/**
 * The variables of `<folder>/.env`, parsed by `dotenv`; undefined when the file does not exist.
 * An unreadable file is treated like a missing one: it cannot name a database we could use.
 */
export async function readDotenv(folder: string): Promise<{ file: string; values: Record<string, string> } | undefined> {
  const file = path.join(folder, '.env');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return { file, values: parseDotenv(text) };
}
