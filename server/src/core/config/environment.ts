/**
 * An Alembic environment: what one `alembic` invocation sees. That is the `[alembic]` section of
 * an alembic.ini (or the section `alembic -n NAME` selects) together with `[tool.alembic]` of
 * the pyproject.toml beside it, or that pyproject.toml alone. Values are combined exactly as
 * Alembic 1.20's `Config` combines them (see settings.ts and docs/CONFIG.md); paths are then
 * made absolute relative to the config file's folder, since an editor has no working directory.
 */
import path from 'node:path';
import { statOrUndefined } from '../fsStat';
import type { ConfigProblem } from '../types';
import { ConfigError, errorDetail } from './errors';
import { readIniFile, type IniFile } from './ini';
import { readPyproject, type PyprojectFile } from './pyproject';
import { asPosix } from './pyText';
import { DEFAULT_FILE_TEMPLATE, DEFAULT_TRUNCATE_SLUG_LENGTH, readAlembicSettings, type Located } from './settings';

export { ConfigError } from './errors';

export const INI_NAME = 'alembic.ini';
export const PYPROJECT_NAME = 'pyproject.toml';
/** The section Alembic reads when `-n` is not given. */
export const DEFAULT_ENVIRONMENT_SECTION = 'alembic';

export interface AlembicEnvironment {
  /** Absolute: the alembic.ini, or the pyproject.toml when no ini provides the section. */
  configFile: string;
  /** The ini file, when it has the section (and so contributes values). */
  iniFile?: string;
  /** The pyproject.toml, when it has `[tool.alembic]` (and so contributes values). */
  pyprojectFile?: string;
  /** The ini section: 'alembic' unless named with `alembic -n NAME`. */
  section: string;
  /** Absolute folder of configFile; relative paths are resolved against it. */
  here: string;
  /** Absolute script folder (the one holding env.py); undefined when it cannot be determined. */
  scriptLocation?: string;
  /** Absolute folders that Alembic reads revision files from, in configuration order. */
  versionLocations: string[];
  recursiveVersionLocations: boolean;
  /** After ini interpolation or TOML formatting, e.g. '%(rev)s_%(slug)s'. */
  fileTemplate: string;
  truncateSlugLength: number;
  timezone?: string;
  /**
   * `sqlalchemy.url` of the ini section, interpolated. It often holds a database password:
   * never log it, print it or put it in a message.
   */
  sqlalchemyUrl?: string;
  /** Absolute folders of `prepend_sys_path`, in order. */
  prependSysPath: string[];
  /** Non-fatal problems: the environment is usable, perhaps partly. */
  problems: ConfigProblem[];
}

function isDirectory(file: string): boolean {
  return statOrUndefined(file)?.isDirectory() ?? false;
}

function isFile(file: string): boolean {
  return statOrUndefined(file)?.isFile() ?? false;
}

/**
 * Loads one environment. `configPath` is an ini file (any name, as with `alembic -c`), a
 * pyproject.toml, or a folder, meaning the environment whose config file is directly in it
 * (alembic.ini preferred over pyproject.toml). The other file of the pair is the one beside it.
 *
 * Throws ConfigError when a file cannot be read or parsed, when a value Alembic reads fails
 * interpolation, or when neither the ini has the section nor the pyproject.toml has
 * `[tool.alembic]`.
 */
export function loadEnvironment(configPath: string, options: { section?: string } = {}): AlembicEnvironment {
  const section = options.section ?? DEFAULT_ENVIRONMENT_SECTION;
  const target = path.resolve(configPath);
  let iniPath: string | undefined;
  let pyprojectPath: string | undefined;
  if (isDirectory(target)) {
    iniPath = isFile(path.join(target, INI_NAME)) ? path.join(target, INI_NAME) : undefined;
    pyprojectPath = isFile(path.join(target, PYPROJECT_NAME)) ? path.join(target, PYPROJECT_NAME) : undefined;
    if (!iniPath && !pyprojectPath) {
      throw new ConfigError(target, undefined, `${target}: there is no ${INI_NAME} or ${PYPROJECT_NAME} in this folder`);
    }
  } else if (path.basename(target) === PYPROJECT_NAME) {
    // Alembic's command line, too, treats a -c argument named pyproject.toml as the TOML file.
    pyprojectPath = target;
    const beside = path.join(path.dirname(target), INI_NAME);
    iniPath = isFile(beside) ? beside : undefined;
  } else {
    iniPath = target;
    const beside = path.join(path.dirname(target), PYPROJECT_NAME);
    pyprojectPath = isFile(beside) ? beside : undefined;
  }

  const ini = iniPath === undefined ? undefined : readIniFile(iniPath, { here: asPosix(path.dirname(iniPath)) });
  const pyproject = pyprojectPath === undefined ? undefined : readPyproject(pyprojectPath);
  return environmentFrom(ini, pyproject, section);
}

/** Builds the environment from already parsed files; discovery uses it to parse each file once. */
export function environmentFrom(ini: IniFile | undefined, pyproject: PyprojectFile | undefined, section: string): AlembicEnvironment {
  const iniSection = ini?.sections.get(section);
  const tomlTable = pyproject?.alembic ? pyproject : undefined;
  if (!iniSection && !tomlTable) throw missingSection(ini, pyproject, section);

  const configFile = iniSection ? ini!.file : tomlTable!.file;
  const here = path.dirname(configFile);
  const settings = readAlembicSettings({
    ...(iniSection ? { ini: ini! } : {}),
    section,
    ...(tomlTable ? { pyproject: tomlTable } : {}),
  });
  const problems = settings.problems;
  const env: AlembicEnvironment = {
    configFile,
    section,
    here,
    versionLocations: [],
    recursiveVersionLocations: settings.recursiveVersionLocations,
    fileTemplate: settings.fileTemplate,
    truncateSlugLength: settings.truncateSlugLength,
    prependSysPath: (settings.prependSysPath?.value ?? []).map((entry) => path.resolve(here, entry)),
    problems,
  };
  if (iniSection) env.iniFile = ini!.file;
  if (tomlTable) env.pyprojectFile = tomlTable.file;
  if (settings.timezone !== undefined) env.timezone = settings.timezone;
  if (settings.sqlalchemyUrl !== undefined) env.sqlalchemyUrl = settings.sqlalchemyUrl;
  if (ini && !iniSection) {
    problems.push({
      message:
        `${ini.file} has no [${section}] section, so Alembic takes its settings from [tool.alembic] alone; ` +
        "an env.py that calls config.get_main_option() fails with this configuration",
      file: ini.file,
    });
  }

  const resolve = (value: Located<string>, key: string): string | undefined => resolveLocation(value, key, env, problems);

  if (settings.scriptLocation) {
    env.scriptLocation = resolve(settings.scriptLocation, 'script_location');
    if (env.scriptLocation === undefined) delete env.scriptLocation;
    else if (!isDirectory(env.scriptLocation)) {
      problems.push({ ...located(settings.scriptLocation, `The script_location folder ${env.scriptLocation} does not exist; Alembic fails with "Path doesn't exist"`), pointsNowhere: 'script-location' });
    }
  } else {
    const problem: ConfigProblem = { message: "No 'script_location' key found in configuration", file: configFile, pointsNowhere: 'script-location' };
    if (iniSection?.line !== undefined) problem.line = iniSection.line;
    problems.push(problem);
  }

  if (settings.versionLocations) {
    const list = settings.versionLocations;
    for (const entry of list.value) {
      const folder = resolve({ ...list, value: entry }, 'version_locations');
      if (folder === undefined) continue;
      env.versionLocations.push(folder);
      if (!isDirectory(folder)) {
        problems.push({ ...located(list, `The version location ${folder} does not exist; Alembic skips it without a warning`), pointsNowhere: 'version-location' });
      }
    }
  } else if (env.scriptLocation !== undefined) {
    const folder = path.join(env.scriptLocation, 'versions');
    env.versionLocations.push(folder);
    if (isDirectory(env.scriptLocation) && !isDirectory(folder)) {
      problems.push({ message: `The versions folder ${folder} does not exist, so Alembic finds no revisions`, file: configFile, pointsNowhere: 'version-location' });
    }
  }

  if (settings.sourceless) {
    problems.push({
      message: 'sourceless is true: Alembic also loads .pyc revision files without a .py source, which Alembic Pilot does not read',
      file: configFile,
    });
  }
  return env;
}

function located(where: { file: string; line?: number }, message: string): ConfigProblem {
  const problem: ConfigProblem = { message, file: where.file };
  if (where.line !== undefined) problem.line = where.line;
  return problem;
}

function missingSection(ini: IniFile | undefined, pyproject: PyprojectFile | undefined, section: string): ConfigError {
  if (!ini) {
    const file = pyproject!.file;
    return new ConfigError(file, undefined, `${file}: there is no [tool.alembic] table, so this is not an Alembic configuration`);
  }
  const named = [...ini.sections.values()].filter((candidate) => candidate.options.has('script_location')).map((candidate) => `[${candidate.name}]`);
  const hint = named.length > 0 ? `; sections with script_location: ${named.join(', ')}` : '';
  const toml = pyproject ? `, and ${pyproject.file} has no [tool.alembic] table` : '';
  return new ConfigError(ini.file, undefined, `${ini.file}: there is no [${section}] section${toml}${hint}`);
}

/**
 * Alembic's `coerce_resource_to_filename` followed by `Path.absolute()`: a relative path that
 * contains a colon names a package resource (`myapp:migrations`), anything else is a path. We
 * resolve relative paths against the config folder rather than the working directory, and find
 * packages only in the environment's prepend_sys_path folders (not in installed packages).
 */
function resolveLocation(
  value: Located<string>,
  key: string,
  env: AlembicEnvironment,
  problems: ConfigProblem[],
): string | undefined {
  const text = value.value;
  if (path.isAbsolute(text) || !text.includes(':')) return path.resolve(env.here, text);
  const [pkg = '', ...parts] = text.split(':');
  const packagePath = pkg.split('.').join(path.sep);
  if (pkg !== '') {
    for (const folder of env.prependSysPath) {
      const candidate = path.join(folder, packagePath);
      if (isDirectory(candidate)) return path.resolve(candidate, ...parts);
    }
  }
  const searched = env.prependSysPath.length > 0 ? `in the prepend_sys_path folders (${env.prependSysPath.join(', ')})` : 'because prepend_sys_path is not set';
  problems.push(
    located(
      value,
      `${key} '${text}' names a resource of package '${pkg}', which was not found ${searched}. ` +
        `Alembic Pilot does not look into installed packages; add the folder that contains '${pkg}' to prepend_sys_path, or use a path`,
    ),
  );
  return undefined;
}

/**
 * The environment reported for a config file that could not be loaded: no script location,
 * defaults elsewhere, and the error as its only problem. Discovery returns it so that a broken
 * configuration is shown to the user instead of silently disappearing.
 */
export function brokenEnvironment(configFile: string, section: string, error: ConfigError): AlembicEnvironment {
  const problem: ConfigProblem = { message: errorDetail(error), file: error.file };
  if (error.line !== undefined) problem.line = error.line;
  const env: AlembicEnvironment = {
    configFile,
    section,
    here: path.dirname(configFile),
    versionLocations: [],
    recursiveVersionLocations: false,
    fileTemplate: DEFAULT_FILE_TEMPLATE,
    truncateSlugLength: DEFAULT_TRUNCATE_SLUG_LENGTH,
    prependSysPath: [],
    problems: [problem],
  };
  if (path.basename(configFile) === PYPROJECT_NAME) env.pyprojectFile = configFile;
  else env.iniFile = configFile;
  return env;
}
