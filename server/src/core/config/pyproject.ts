/**
 * Reading `[tool.alembic]` from a pyproject.toml the way Alembic 1.20's
 * `Config.toml_alembic_config` and `Config._get_toml_config_value` do: the TOML is parsed with
 * a real TOML parser (smol-toml here, tomllib there), and every string value Alembic reads is
 * then passed through Python's `value % {"here": <folder>}`.
 */
import { readFileSync } from 'node:fs';
import { parse, TomlError, type TomlTable, type TomlValue } from 'smol-toml';
import { ConfigError } from './errors';

export interface PyprojectFile {
  /** Absolute path of the pyproject.toml. */
  file: string;
  /** The text, kept to find the line of a key for messages. */
  text: string;
  /** `[tool.alembic]`, or undefined when the file has none. */
  alembic?: TomlTable;
}

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Reads and parses a pyproject.toml. Throws ConfigError when it cannot be read or is not valid
 * TOML (Alembic then fails with TOMLDecodeError), or when `tool` or `tool.alembic` is not a
 * table (Alembic fails with AttributeError or "Incorrect TOML format").
 */
export function readPyproject(file: string): PyprojectFile {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, undefined, code ? `${file}: cannot read the file (${code})` : `${file}: the file is not valid UTF-8`);
  }
  return parsePyproject(text, file);
}

/** Parses pyproject.toml text; see readPyproject. */
export function parsePyproject(text: string, file: string): PyprojectFile {
  let data: TomlTable;
  try {
    // Integers as bigint keep TOML's integer/float distinction, which Alembic's type checks use.
    data = parse(text, { integersAsBigInt: true });
  } catch (error) {
    if (error instanceof TomlError) {
      const headline = error.message.split('\n')[0] ?? error.message;
      throw new ConfigError(file, error.line, `${file}:${error.line}: invalid TOML: ${headline}`);
    }
    throw error;
  }
  const tool = data['tool'];
  if (tool === undefined) return { file, text };
  if (!isTable(tool)) {
    throw new ConfigError(file, keyLine(text, undefined, 'tool'), `${file}: 'tool' must be a table; Alembic cannot read this file`);
  }
  const alembic = tool['alembic'];
  if (alembic === undefined) return { file, text };
  if (!isTable(alembic)) {
    throw new ConfigError(file, undefined, `${file}: 'tool.alembic' must be a table ([tool.alembic]); Alembic reports "Incorrect TOML format"`);
  }
  return { file, text, alembic };
}

/**
 * The 1-based line where `key` is set inside `[table]` (or at top level when table is
 * undefined), found textually, for pointing messages at the right place. Undefined when the
 * key is written in a form this simple scan does not follow, such as a dotted key elsewhere.
 */
export function keyLine(text: string, table: string | undefined, key: string): number | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const keyPattern = new RegExp(`^\\s*(?:${escaped}|"${escaped}"|'${escaped}')\\s*=`);
  let inTable = table === undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimStart();
    if (line.startsWith('[')) {
      // An array-of-tables header such as [[tool.alembic.post_write_hooks]] leaves the table too.
      const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
      inTable = !line.startsWith('[[') && header?.[1] === table;
      continue;
    }
    if (inTable && keyPattern.test(line)) return i + 1;
  }
  return undefined;
}

/** The widest field `%` formatting is asked to pad to. */
const MAX_FIELD_WIDTH = 1_000_000;

/** Python's `%` operator failed; the message says why, in words for the user. */
export class PercentFormatError extends Error {}

/**
 * Python's `template % args` where args is a dict of strings, as Alembic applies it to TOML
 * strings with `{"here": <folder>}`. Supports `%%` and `%(name)s` with optional `-` flag, width
 * and precision, which is all a string argument can be formatted with. Throws
 * PercentFormatError where Python raises (KeyError for an unknown name, ValueError or TypeError
 * for other specifiers), and also for a bare `%s`, which Python would fill with the whole
 * dict's repr: no config means that.
 */
export function formatPercent(template: string, args: Readonly<Record<string, string>>): string {
  const spec = /%(?:\(([^)]*)\)([-+ #0]*)(\d*)(?:\.(\d*))?[hlL]?([a-zA-Z%])?|%)?/g;
  let out = '';
  let last = 0;
  for (let match = spec.exec(template); match; match = spec.exec(template)) {
    out += template.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === '%%') {
      out += '%';
      continue;
    }
    const [, name, flags = '', width = '', precision, conversion] = match;
    if (name === undefined) {
      throw new PercentFormatError(
        `'%' must be followed by '%' or '(name)s'; write '%%' for a literal percent sign (at position ${match.index})`,
      );
    }
    if (conversion === undefined) throw new PercentFormatError(`incomplete format '%(${name})' (at position ${match.index})`);
    if (!Object.hasOwn(args, name)) {
      throw new PercentFormatError(`'%(${name})${conversion}' refers to an unknown name; only %(here)s is available, and '%%' gives a literal percent sign`);
    }
    if (conversion !== 's') {
      throw new PercentFormatError(`'%(${name})${conversion}' cannot format a string; use %(${name})s`);
    }
    // Python pads to any width it has the memory for; no path needs millions of spaces, and a
    // width of 10**300 cannot even be made.
    if (Number(width || '0') > MAX_FIELD_WIDTH || Number(precision || '0') > MAX_FIELD_WIDTH) {
      throw new PercentFormatError(`'%(${name})${conversion}' asks for a field width or precision over ${MAX_FIELD_WIDTH.toLocaleString('en-US')}, which Alembic Pilot does not expand`);
    }
    let value = args[name]!;
    if (precision !== undefined) value = value.slice(0, Number(precision || '0'));
    const padding = ' '.repeat(Math.max(0, Number(width || '0') - value.length));
    out += flags.includes('-') ? value + padding : padding + value;
  }
  return out + template.slice(last);
}
