/**
 * The settings one Alembic invocation reads, computed the way Alembic 1.20's `Config` and
 * `ScriptDirectory.from_config` compute them, before any path is resolved. Each function here
 * names the Alembic method it follows; where Alembic would crash on a bad value, we record a
 * ConfigProblem and carry on with the value Alembic would have used had the setting been absent.
 */
import path from 'node:path';
import type { TomlValue } from 'smol-toml';
import type { ConfigProblem } from '../types';
import { ConfigError, errorDetail, where } from './errors';
import type { IniFile } from './ini';
import { formatPercent, keyLine, PercentFormatError, type PyprojectFile } from './pyproject';
import { asPosix, parsePythonInt } from './pyText';
import { nameTable } from '../nameTable';

/** `script/base.py` `_default_file_template`. */
export const DEFAULT_FILE_TEMPLATE = '%(rev)s_%(slug)s';
/** `ScriptDirectory.__init__`: `truncate_slug_length or 40`. */
export const DEFAULT_TRUNCATE_SLUG_LENGTH = 40;

/** A value together with where it was written, for messages about it. */
export interface Located<T> {
  value: T;
  file: string;
  line?: number;
}

export interface AlembicSettings {
  /** `get_alembic_option("script_location")`, not yet resolved. */
  scriptLocation?: Located<string>;
  /** `get_version_locations_list()`; undefined where Alembic returns None (or an empty list). */
  versionLocations?: Located<string[]>;
  /** `get_prepend_sys_paths_list()`; undefined where Alembic returns None. */
  prependSysPath?: Located<string[]>;
  recursiveVersionLocations: boolean;
  sourceless: boolean;
  fileTemplate: string;
  truncateSlugLength: number;
  timezone?: string;
  /** `get_main_option("sqlalchemy.url")`. It may hold a password: never log it. */
  sqlalchemyUrl?: string;
  problems: ConfigProblem[];
}

export interface SettingsSources {
  /** The ini file, when it has `section`; otherwise Alembic finds nothing in it. */
  ini?: IniFile;
  section: string;
  /** The pyproject.toml, when it has `[tool.alembic]`. */
  pyproject?: PyprojectFile;
}

const SEPARATORS = nameTable<string>({
  space: ' ',
  newline: '\n',
  os: path.delimiter,
  ':': ':',
  ';': ';',
});

/**
 * Appended to Alembic's own deprecation warning texts, which we report as problems, so that the
 * user sees that Alembic warns about it too (and tests can find them).
 */
export const DEPRECATION = ' (Alembic DeprecationWarning)';

/** `Config.get_version_locations_list`'s legacy splitting. */
const LEGACY_VERSION_SPLIT = /, *| +/;
/** `Config.get_prepend_sys_paths_list`'s legacy splitting, which also splits on colons. */
const LEGACY_SYS_PATH_SPLIT = /, *| +|:/;

/** Reads an environment's settings; throws ConfigError where a value fails interpolation. */
export function readAlembicSettings(sources: SettingsSources): AlembicSettings {
  return new SettingsReader(sources).read();
}

/** A value found in `[tool.alembic]`, before Alembic's `%` formatting. */
interface TomlFound {
  toml: TomlValue;
  file: string;
  line?: number;
}

type Found = Located<string> | TomlFound;

class SettingsReader {
  private readonly problems: ConfigProblem[] = [];
  private readonly tomlArgs: Record<string, string>;

  constructor(private readonly sources: SettingsSources) {
    const pyproject = sources.pyproject;
    this.tomlArgs = pyproject ? { here: asPosix(path.dirname(pyproject.file)) } : {};
  }

  read(): AlembicSettings {
    const settings: AlembicSettings = {
      recursiveVersionLocations: this.booleanOption('recursive_version_locations'),
      sourceless: this.booleanOption('sourceless'),
      fileTemplate: this.stringOption('file_template')?.value ?? DEFAULT_FILE_TEMPLATE,
      truncateSlugLength: this.truncateSlugLength(),
      problems: this.problems,
    };
    const scriptLocation = this.stringOption('script_location');
    if (scriptLocation) settings.scriptLocation = scriptLocation;
    const versionLocations = this.pathList('version_locations', ['path_separator', 'version_path_separator'], LEGACY_VERSION_SPLIT);
    if (versionLocations && versionLocations.value.length > 0) settings.versionLocations = versionLocations;
    const prependSysPath = this.pathList('prepend_sys_path', ['path_separator'], LEGACY_SYS_PATH_SPLIT);
    if (prependSysPath) settings.prependSysPath = prependSysPath;
    const timezone = this.stringOption('timezone');
    if (timezone) settings.timezone = timezone.value;
    const url = this.sqlalchemyUrl();
    if (url !== undefined) settings.sqlalchemyUrl = url;
    return settings;
  }

  private problem(message: string, file: string, line?: number): void {
    const problem: ConfigProblem = { message, file };
    if (line !== undefined) problem.line = line;
    this.problems.push(problem);
  }

  /** `get_main_option(name)`: the ini section only, interpolated. */
  private mainOption(name: string): Located<string> | undefined {
    const { ini, section } = this.sources;
    const option = ini?.option(section, name);
    if (!ini || !option) return undefined;
    const found: Located<string> = { value: ini.get(section, name)!, file: ini.file };
    if (option.line !== undefined) found.line = option.line;
    return found;
  }

  /** The raw `[tool.alembic]` value, before Alembic's `%` formatting. */
  private tomlOption(name: string): TomlFound | undefined {
    const pyproject = this.sources.pyproject;
    const value = pyproject?.alembic?.[name];
    if (!pyproject || value === undefined) return undefined;
    const found: TomlFound = { toml: value, file: pyproject.file };
    const line = keyLine(pyproject.text, 'tool.alembic', name);
    if (line !== undefined) found.line = line;
    return found;
  }

  /** `get_alembic_option(name)`: the ini section wins, then `[tool.alembic]`. */
  private alembicOption(name: string): Found | undefined {
    return this.mainOption(name) ?? this.tomlOption(name);
  }

  /** Alembic's `value % toml_args`, with its failures turned into ConfigError. */
  private format(text: string, name: string, found: { file: string; line?: number }): string {
    try {
      return formatPercent(text, this.tomlArgs);
    } catch (error) {
      if (!(error instanceof PercentFormatError)) throw error;
      throw new ConfigError(found.file, found.line, `${where(found.file, found.line)}: cannot expand '${name}' in [tool.alembic]: ${error.message}`);
    }
  }

  /** A string-valued `get_alembic_option`; a TOML value of another type is a problem. */
  private stringOption(name: string): Located<string> | undefined {
    const found = this.alembicOption(name);
    if (!found) return undefined;
    if ('value' in found) return found;
    if (typeof found.toml !== 'string') {
      this.problem(`'${name}' in [tool.alembic] must be a string; Alembic cannot use this value, so it is ignored`, found.file, found.line);
      return undefined;
    }
    return { ...found, value: this.format(found.toml, name, found) };
  }

  /** `get_alembic_boolean_option`: exactly "true" in the ini, a TOML boolean otherwise. */
  private booleanOption(name: string): boolean {
    const found = this.alembicOption(name);
    if (!found) return false;
    if ('value' in found) return found.value === 'true';
    if (typeof found.toml !== 'boolean') {
      this.problem(`'${name}' in [tool.alembic] must be true or false (Alembic: "boolean value expected"); it is taken as false`, found.file, found.line);
      return false;
    }
    return found.toml;
  }

  /** `ScriptDirectory.from_config`: `int(truncate_slug_length)`, then `or 40`. */
  private truncateSlugLength(): number {
    const found = this.alembicOption('truncate_slug_length');
    if (!found) return DEFAULT_TRUNCATE_SLUG_LENGTH;
    let parsed: number | undefined;
    if ('value' in found) parsed = parsePythonInt(found.value);
    else if (typeof found.toml === 'bigint') parsed = Number(found.toml);
    else if (typeof found.toml === 'string') parsed = parsePythonInt(this.format(found.toml, 'truncate_slug_length', found));
    if (parsed === undefined) {
      this.problem(`'truncate_slug_length' must be a whole number; Alembic fails on this value, ${DEFAULT_TRUNCATE_SLUG_LENGTH} is used here`, found.file, found.line);
      return DEFAULT_TRUNCATE_SLUG_LENGTH;
    }
    return parsed || DEFAULT_TRUNCATE_SLUG_LENGTH;
  }

  /**
   * `get_version_locations_list` and `get_prepend_sys_paths_list`: a non-empty ini value is
   * split per `path_separator` (or the legacy rules, with Alembic's deprecation warning turned
   * into a problem); an empty or missing one falls through to the TOML list.
   */
  private pathList(name: string, separatorNames: string[], legacy: RegExp): Located<string[]> | undefined {
    const text = this.mainOption(name);
    if (text && text.value) {
      const separator = this.separator(separatorNames);
      if (separator === undefined) {
        const what = name === 'prepend_sys_path' ? 'spaces, commas, and colons' : 'spaces/commas';
        this.problem(
          `No path_separator found in configuration; falling back to legacy splitting on ${what} for ${name}. ` +
            `Consider adding path_separator=os to Alembic config.${DEPRECATION}`,
          text.file,
          text.line,
        );
      }
      const parts =
        separator === undefined || separator === null
          ? text.value.split(legacy)
          : text.value.split(separator).filter((part) => part !== '').map((part) => part.trim());
      return { ...text, value: parts };
    }
    const found = this.tomlOption(name);
    if (!found) return undefined;
    const items = typeof found.toml === 'string' ? [found.toml] : found.toml;
    if (!Array.isArray(items) || typeof found.toml === 'string') {
      this.problem(
        `'${name}' in [tool.alembic] must be a list of strings, e.g. ${name} = ["a", "b"]` +
          (typeof found.toml === 'string' ? '; Alembic would split this string into single characters, here it is taken as one path' : '; it is ignored'),
        found.file,
        found.line,
      );
      if (!Array.isArray(items)) return undefined;
    }
    const strings = items.filter((item): item is string => typeof item === 'string');
    if (strings.length !== items.length) {
      this.problem(`'${name}' in [tool.alembic] must hold only strings; the other items are ignored`, found.file, found.line);
    }
    return { ...found, value: strings.map((item) => this.format(item, name, found)) };
  }

  /**
   * `Config._get_file_separator_char`: the first of `names` present in the ini section.
   * Returns undefined when none is set, null when the value is invalid (a problem; Alembic
   * raises ValueError, and we fall back to legacy splitting).
   */
  private separator(names: string[]): string | null | undefined {
    for (const name of names) {
      const found = this.mainOption(name);
      if (found === undefined) continue;
      const separator = SEPARATORS[found.value];
      if (separator === undefined) {
        this.problem(
          `'${found.value}' is not a valid value for ${name}; expected 'space', 'newline', 'os', ':', ';'. Alembic fails here; the legacy splitting is used instead`,
          found.file,
          found.line,
        );
        return null;
      }
      if (name === 'version_path_separator') {
        this.problem(`The version_path_separator configuration parameter is deprecated; please use path_separator${DEPRECATION}`, found.file, found.line);
      }
      return separator;
    }
    return undefined;
  }

  /** `get_main_option("sqlalchemy.url")`; an interpolation failure only makes it a problem. */
  private sqlalchemyUrl(): string | undefined {
    try {
      return this.mainOption('sqlalchemy.url')?.value;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The message names the option and the kind of mistake, never the value (a password).
      this.problem(
        `${errorDetail(error)}. Alembic's env.py fails when it reads sqlalchemy.url; URL-encoded characters such as %40 must be written %%40 in an ini file`,
        error.file,
        error.line,
      );
      return undefined;
    }
  }
}
