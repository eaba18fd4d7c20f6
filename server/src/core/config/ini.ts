/**
 * A reader for ini files with the semantics of Python 3.11's `configparser.ConfigParser` as
 * Alembic 1.20 constructs it: `ConfigParser({"here": <folder>})`, that is default delimiters
 * (`=` and `:`), full-line comments starting with `#` or `;` (inline comments are not
 * stripped), strict mode (duplicate sections and options are errors), blank lines allowed
 * inside multi-line values, lower-cased option names and `BasicInterpolation` applied lazily
 * when a value is read.
 *
 * It is written here rather than taken from npm because no maintained package reproduces
 * configparser exactly: the common ones strip inline comments, keep key case, expand nothing
 * or expand differently, and treat indentation and blank lines their own way, each of which
 * changes the value Alembic would see.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, where } from './errors';
import { PY_SPACE_CLASS, firstNonSpace, pyRstrip, pyStrip } from './pyText';

/** Python's `configparser.DEFAULTSECT`: its options are visible in every section. */
export const DEFAULT_SECTION = 'DEFAULT';

/** Python's `configparser.MAX_INTERPOLATION_DEPTH`. */
const MAX_INTERPOLATION_DEPTH = 10;

/** `ConfigParser.SECTCRE`; it is not anchored at the end, so `[a] trailing` is section `a`. */
const SECTION_HEADER = /^\[(.+)\]/s;
/**
 * `ConfigParser.OPTCRE`, `(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$`: the first `=` or `:`
 * splits name from value, and the spaces around it belong to neither. Found by index rather
 * than with the same regex, whose lazy name and optional spaces backtrack quadratically over
 * a long run of spaces.
 */
function optionLine(line: string): { name: string; value: string } | undefined {
  const delimiter = line.search(/[=:]/);
  if (delimiter < 0) return undefined;
  return { name: pyRstrip(line.slice(0, delimiter)), value: line.slice(delimiter + 1).replace(LEADING_SPACE, '') };
}

const LEADING_SPACE = new RegExp(`^[${PY_SPACE_CLASS}]+`);
/** `BasicInterpolation._KEYCRE`. */
const INTERPOLATION_KEY = /^%\(([^)]+)\)s/;

export interface IniOption {
  /**
   * The stored value: stripped, continuation lines joined with `\n`, trailing whitespace
   * removed, and not yet interpolated.
   */
  raw: string;
  /** 1-based line of the option name; undefined for defaults passed in by the caller. */
  line?: number;
}

export interface IniSection {
  name: string;
  /** 1-based line of the first header; undefined for a DEFAULT section not in the file. */
  line?: number;
  options: Map<string, IniOption>;
}

/** Python's default `optionxform`. */
export function optionxform(name: string): string {
  return name.toLowerCase();
}

/** One parsed file; reading values through `get` applies interpolation like `ConfigParser.get`. */
export class IniFile {
  constructor(
    readonly file: string,
    readonly defaults: IniSection,
    /** The sections in file order, without DEFAULT, as `ConfigParser.sections()` lists them. */
    readonly sections: Map<string, IniSection>,
  ) {}

  /** `ConfigParser.has_section`: false for DEFAULT. */
  hasSection(name: string): boolean {
    return this.sections.has(name);
  }

  /** `ConfigParser.has_option`: options of DEFAULT count for every existing section. */
  hasOption(section: string, name: string): boolean {
    return this.option(section, name) !== undefined;
  }

  /** The stored option as `ConfigParser` looks it up: the section first, then DEFAULT. */
  option(section: string, name: string): IniOption | undefined {
    const key = optionxform(name);
    if (section === DEFAULT_SECTION) return this.defaults.options.get(key);
    const own = this.sections.get(section);
    if (!own) return undefined;
    return own.options.get(key) ?? this.defaults.options.get(key);
  }

  /**
   * `ConfigParser.get(section, name)`: the interpolated value, or undefined when the option
   * (or the section) does not exist. Throws ConfigError when interpolation fails, as Python
   * raises then. Messages never quote the value, because `sqlalchemy.url` may hold a password.
   */
  get(section: string, name: string): string | undefined {
    const option = this.option(section, name);
    if (!option) return undefined;
    const key = optionxform(name);
    const accum: string[] = [];
    this.interpolate(section, key, option, accum, option.raw, 1);
    return accum.join('');
  }

  private interpolate(
    section: string,
    key: string,
    option: IniOption,
    accum: string[],
    value: string,
    depth: number,
  ): void {
    if (depth > MAX_INTERPOLATION_DEPTH) {
      throw this.interpolationError(
        section,
        key,
        option,
        `references nest deeper than ${MAX_INTERPOLATION_DEPTH} levels; an option probably refers to itself`,
      );
    }
    let rest = value;
    while (rest) {
      const p = rest.indexOf('%');
      if (p < 0) {
        accum.push(rest);
        return;
      }
      if (p > 0) {
        accum.push(rest.slice(0, p));
        rest = rest.slice(p);
      }
      const next = rest.slice(1, 2);
      if (next === '%') {
        accum.push('%');
        rest = rest.slice(2);
        continue;
      }
      if (next !== '(') {
        throw this.interpolationError(section, key, option, "'%' must be followed by '%' or '('; write '%%' for a literal percent sign");
      }
      const match = INTERPOLATION_KEY.exec(rest);
      if (!match) {
        throw this.interpolationError(
          section,
          key,
          option,
          "a '%(' reference must have the form %(name)s; write '%%' for a literal percent sign",
        );
      }
      const reference = optionxform(match[1]!);
      rest = rest.slice(match[0].length);
      const target = this.option(section, reference);
      if (!target) {
        throw this.interpolationError(
          section,
          key,
          option,
          `it refers to '%(${reference})s', which is not an option of [${section}] or [DEFAULT]; write '%%' for a literal percent sign`,
        );
      }
      if (target.raw.includes('%')) {
        this.interpolate(section, key, option, accum, target.raw, depth + 1);
      } else {
        accum.push(target.raw);
      }
    }
  }

  private interpolationError(section: string, key: string, option: IniOption, detail: string): ConfigError {
    return new ConfigError(
      this.file,
      option.line,
      `${where(this.file, option.line)}: cannot expand option '${key}' in section [${section}]: ${detail}`,
    );
  }
}

/** Parse-time state of one option: its value lines before they are joined. */
interface PendingOption {
  lines: string[];
  line: number;
}

/**
 * Parses `text` as `ConfigParser(defaults).read_string(text)` would. `file` is only used in
 * messages. Throws ConfigError where Python raises MissingSectionHeaderError,
 * DuplicateSectionError, DuplicateOptionError or ParsingError.
 */
export function parseIni(text: string, file: string, defaults: Record<string, string> = {}): IniFile {
  const pendingDefaults = new Map<string, PendingOption | IniOption>();
  for (const [name, raw] of Object.entries(defaults)) pendingDefaults.set(optionxform(name), { raw });
  const sections = new Map<string, { line: number; options: Map<string, PendingOption | IniOption> }>();
  let defaultsLine: number | undefined;

  // Python remembers the options seen in this file, for strict-mode duplicate detection.
  const seenOptions = new Set<string>();
  let current: Map<string, PendingOption | IniOption> | undefined;
  let sectionName: string | undefined;
  let optionName: string | undefined;
  let indentLevel = 0;
  const badLines: number[] = [];

  const lines = text.split(/\r\n|\r|\n/);
  // Python iterates over lines including their terminator, so a final newline adds no line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  lines.forEach((line, index) => {
    const lineno = index + 1;
    const isComment = pyStrip(line).startsWith('#') || pyStrip(line).startsWith(';');
    const value = isComment ? '' : pyStrip(line);
    if (!value) {
      // A blank line (not a comment) becomes part of the current value; a trailing one is
      // removed again when the value lines are joined.
      const pending = optionName ? current?.get(optionName) : undefined;
      if (!isComment && pending && 'lines' in pending) pending.lines.push('');
      return;
    }
    const found = firstNonSpace(line);
    const indent = found < 0 ? 0 : found;
    const pending = optionName ? current?.get(optionName) : undefined;
    if (current && optionName && indent > indentLevel && pending && 'lines' in pending) {
      pending.lines.push(value);
      return;
    }
    indentLevel = indent;
    const header = SECTION_HEADER.exec(value);
    if (header) {
      const name = header[1]!;
      if (sections.has(name)) {
        throw new ConfigError(
          file,
          lineno,
          `${where(file, lineno)}: section [${name}] appears twice; Python's configparser (and so Alembic) rejects duplicate sections, so merge them`,
        );
      }
      if (name === DEFAULT_SECTION) {
        current = pendingDefaults;
        defaultsLine ??= lineno;
      } else {
        current = new Map();
        sections.set(name, { line: lineno, options: current });
      }
      sectionName = name;
      optionName = undefined;
      return;
    }
    if (!current || sectionName === undefined) {
      throw new ConfigError(
        file,
        lineno,
        `${where(file, lineno)}: the file must start with a section header such as [alembic] before any option` +
          (line.startsWith('\ufeff') ? '; it starts with a UTF-8 byte-order mark, which Python cannot read here, so save it without BOM' : ''),
      );
    }
    const option = optionLine(value);
    if (!option) {
      badLines.push(lineno);
      return;
    }
    const name = optionxform(option.name);
    if (!name) badLines.push(lineno);
    const key = `${sectionName}\u0000${name}`;
    if (seenOptions.has(key)) {
      throw new ConfigError(
        file,
        lineno,
        `${where(file, lineno)}: option '${name}' appears twice in section [${sectionName}] (names are case-insensitive); Python's configparser (and so Alembic) rejects duplicate options`,
      );
    }
    seenOptions.add(key);
    optionName = name;
    current.set(name, { lines: [pyStrip(option.value)], line: lineno });
  });

  if (badLines.length > 0) {
    const first = badLines[0]!;
    const others = badLines.length > 1 ? ` (also lines ${badLines.slice(1).join(', ')})` : '';
    throw new ConfigError(
      file,
      first,
      `${where(file, first)}: this line is neither a [section] header, a 'name = value' option, a comment nor an indented continuation${others}`,
    );
  }

  const finish = (options: Map<string, PendingOption | IniOption>): Map<string, IniOption> => {
    const result = new Map<string, IniOption>();
    for (const [name, option] of options) {
      result.set(name, 'lines' in option ? { raw: pyRstrip(option.lines.join('\n')), line: option.line } : option);
    }
    return result;
  };
  const defaultSection: IniSection = { name: DEFAULT_SECTION, options: finish(pendingDefaults) };
  if (defaultsLine !== undefined) defaultSection.line = defaultsLine;
  const finished = new Map<string, IniSection>();
  for (const [name, section] of sections) {
    finished.set(name, { name, line: section.line, options: finish(section.options) });
  }
  return new IniFile(file, defaultSection, finished);
}

/**
 * Reads and parses an ini file. Alembic opens it with the locale's encoding, which is UTF-8 on
 * every system we support except some Windows setups; we always read UTF-8.
 */
export function readIniFile(file: string, defaults: Record<string, string> = {}): IniFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new ConfigError(file, undefined, `${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where it makes parsing fail as in Python.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ConfigError(file, undefined, `${file}: the file is not valid UTF-8; save it as UTF-8`);
  }
  return parseIni(text, file, defaults);
}
