/**
 * Finding the Alembic environments of a workspace folder. Alembic itself never searches: it
 * reads ./alembic.ini and ./pyproject.toml of the working directory (or what -c names). An
 * editor has to find them, so we take every folder that holds an alembic.ini or a
 * pyproject.toml as a place where someone could run `alembic`, and list what that would see.
 */
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { statOrUndefined } from '../fsStat';
import {
  brokenEnvironment,
  DEFAULT_ENVIRONMENT_SECTION,
  environmentFrom,
  INI_NAME,
  PYPROJECT_NAME,
  type AlembicEnvironment,
} from './environment';
import { ConfigError } from './errors';
import { readIniFile, type IniFile } from './ini';
import { readPyproject, type PyprojectFile } from './pyproject';
import { asPosix, compareCodePoints } from './pyText';

/** Folders that never hold a project's own migrations but can be huge. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.venv', 'venv', 'site-packages', '__pycache__']);

/** A textual sign that a TOML file we could not parse meant to configure Alembic. */
const MENTIONS_TOOL_ALEMBIC = /^\s*\[\s*tool\s*\.\s*alembic\s*[\].]|^\s*tool\s*\.\s*alembic\s*\./m;

/**
 * Every environment under `root`, sorted by configFile then section:
 * - an alembic.ini gives one environment for its `[alembic]` section (what plain `alembic`
 *   reads), and one for every other section that itself sets script_location (what
 *   `alembic -n NAME` reads); sections without script_location are logging and hook settings;
 * - a pyproject.toml with `[tool.alembic]` gives one environment unless an alembic.ini beside it
 *   has an `[alembic]` section, in which case that environment already includes it.
 * A configuration that fails to load is still listed, with the error as its problem.
 */
export function discoverEnvironments(root: string): AlembicEnvironment[] {
  const environments: AlembicEnvironment[] = [];
  for (const folder of configFolders(path.resolve(root))) {
    environments.push(...environmentsIn(folder.path, folder.hasIni, folder.hasPyproject));
  }
  return environments.sort(
    (a, b) => compareCodePoints(a.configFile, b.configFile) || compareCodePoints(a.section, b.section),
  );
}

interface ConfigFolder {
  path: string;
  hasIni: boolean;
  hasPyproject: boolean;
}

function isFileEntry(folder: string, entry: Dirent): boolean {
  if (entry.isFile()) return true;
  return entry.isSymbolicLink() && (statOrUndefined(path.join(folder, entry.name))?.isFile() ?? false);
}

/**
 * The folders under root holding an alembic.ini or a pyproject.toml. Symbolic links to folders
 * are not followed, which keeps the walk finite; unreadable folders are skipped.
 */
function configFolders(root: string): ConfigFolder[] {
  const result: ConfigFolder[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    let hasIni = false;
    let hasPyproject = false;
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) pending.push(path.join(folder, entry.name));
      } else if (entry.name === INI_NAME) {
        hasIni ||= isFileEntry(folder, entry);
      } else if (entry.name === PYPROJECT_NAME) {
        hasPyproject ||= isFileEntry(folder, entry);
      }
    }
    if (hasIni || hasPyproject) result.push({ path: folder, hasIni, hasPyproject });
  }
  return result;
}

function attempt(configFile: string, section: string, load: () => AlembicEnvironment): AlembicEnvironment {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) return brokenEnvironment(configFile, section, error);
    throw error;
  }
}

function environmentsIn(folder: string, hasIni: boolean, hasPyproject: boolean): AlembicEnvironment[] {
  const iniPath = path.join(folder, INI_NAME);
  const pyprojectPath = path.join(folder, PYPROJECT_NAME);
  let ini: IniFile | undefined;
  if (hasIni) {
    try {
      ini = readIniFile(iniPath, { here: asPosix(folder) });
    } catch (error) {
      // Alembic cannot run from this folder at all; the ini's broken state is the one to show.
      if (error instanceof ConfigError) return [brokenEnvironment(iniPath, DEFAULT_ENVIRONMENT_SECTION, error)];
      throw error;
    }
  }
  let pyproject: PyprojectFile | undefined;
  let pyprojectError: ConfigError | undefined;
  if (hasPyproject) {
    try {
      pyproject = readPyproject(pyprojectPath);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      pyprojectError = error;
    }
  }

  const environments: AlembicEnvironment[] = [];
  for (const section of ini ? environmentSections(ini) : []) {
    environments.push(
      attempt(iniPath, section, () => {
        // Alembic reads the pyproject.toml of the folder too, so a broken one breaks this environment.
        if (pyprojectError) throw pyprojectError;
        return environmentFrom(ini, pyproject, section);
      }),
    );
  }
  if (!hasPyproject || ini?.hasSection(DEFAULT_ENVIRONMENT_SECTION)) return environments;
  if (pyproject?.alembic) {
    environments.push(attempt(pyprojectPath, DEFAULT_ENVIRONMENT_SECTION, () => environmentFrom(ini, pyproject, DEFAULT_ENVIRONMENT_SECTION)));
  } else if (pyprojectError && mentionsToolAlembic(pyprojectPath)) {
    environments.push(brokenEnvironment(pyprojectPath, DEFAULT_ENVIRONMENT_SECTION, pyprojectError));
  }
  return environments;
}

/** The sections of an ini that are environments; see discoverEnvironments. */
export function environmentSections(ini: IniFile): string[] {
  return [...ini.sections.values()]
    .filter((section) => section.name === DEFAULT_ENVIRONMENT_SECTION || section.options.has('script_location'))
    .map((section) => section.name);
}

function mentionsToolAlembic(file: string): boolean {
  try {
    return MENTIONS_TOOL_ALEMBIC.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}
