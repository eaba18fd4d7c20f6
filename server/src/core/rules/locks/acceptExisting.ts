import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type TomlTable } from 'smol-toml';
import type { AlembicEnvironment } from '../../config';

/**
 * "Accept Existing Migrations": records an environment's current heads as
 * `lock-rules-start-after` in `[tool.alembic-pilot]` of the pyproject.toml beside its
 * alembic.ini, so the lock rules check only what comes after them. The file is edited in place,
 * line by line, so its comments and layout stay; the result is parsed again and must hold the
 * new value and everything else unchanged, or nothing is written.
 */

export interface AcceptedMigrations {
  configFile: string;
  pyproject: string;
  heads: string[];
  /** True when the pyproject.toml did not exist and was created. */
  created: boolean;
}

const KEY = 'lock-rules-start-after';
const HEADER = /^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*(?:alembic-pilot|"alembic-pilot")[ \t]*\][ \t]*(?:#.*)?$/;
const ANY_HEADER = /^[ \t]*\[\[?[ \t]*[\w."' -]+[ \t]*\]\]?[ \t]*(?:#.*)?$/;
const KEY_LINE = new RegExp(`^([ \\t]*)(?:${KEY}|"${KEY}")[ \\t]*=`);

export class AcceptExistingError extends Error {}

export function acceptExistingMigrations(env: AlembicEnvironment, heads: readonly string[]): AcceptedMigrations {
  if (heads.length === 0) throw new AcceptExistingError(`${env.configFile} has no revisions, so there is nothing to accept.`);
  const pyproject = path.join(env.here, 'pyproject.toml');
  const created = !existsSync(pyproject);
  const before = created ? '' : readFileSync(pyproject, 'utf8');
  const value = heads.length === 1 ? JSON.stringify(heads[0]) : `[${heads.map((h) => JSON.stringify(h)).join(', ')}]`;
  const original = parseOrThrow(before, pyproject);
  const after = withStartAfter(before, value);
  let parsed: TomlTable | undefined;
  try {
    parsed = parse(after);
  } catch {
    // The edit made the file invalid: the table is defined some other way (an inline table).
  }
  if (!parsed || !sameExceptKey(original, parsed, heads)) {
    throw new AcceptExistingError(`${pyproject}: [tool.alembic-pilot] is written in a form this command cannot edit safely; add ${KEY} = ${value} to it by hand.`);
  }
  writeFileSync(pyproject, after);
  return { configFile: env.configFile, pyproject, heads: [...heads], created };
}

function parseOrThrow(text: string, file: string): TomlTable {
  try {
    return parse(text);
  } catch (error) {
    throw new AcceptExistingError(`${file} is not valid TOML, so it was left alone: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

/** The text with `lock-rules-start-after = value` set in `[tool.alembic-pilot]`, which is added when missing. */
export function withStartAfter(text: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const header = lines.findIndex((l) => HEADER.test(l));
  if (header < 0) {
    const body = text.replace(/(?:\r?\n)*$/, '');
    return `${body}${body ? `${eol}${eol}` : ''}[tool.alembic-pilot]${eol}${KEY} = ${value}${eol}`;
  }
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) {
    if (ANY_HEADER.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  for (let i = header + 1; i < end; i++) {
    const m = KEY_LINE.exec(lines[i]!);
    if (!m) continue;
    // The old value may be an array over several lines: it ends where its brackets close.
    let last = i;
    if (/=[ \t]*\[/.test(lines[i]!)) {
      let depth = 0;
      for (let j = i; j < end; j++) {
        depth += bracketDepth(lines[j]!);
        last = j;
        if (depth <= 0) break;
      }
    }
    const comment = /[ \t]+#[^"'\]]*$/.exec(lines[last]!)?.[0] ?? '';
    lines.splice(i, last - i + 1, `${m[1]}${KEY} = ${value}${comment}`);
    return lines.join(eol);
  }
  lines.splice(header + 1, 0, `${KEY} = ${value}`);
  return lines.join(eol);
}

/** The change in bracket depth over one line, outside strings and comments. */
function bracketDepth(line: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') break;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
  }
  return depth;
}

/** Whether `after` is `before` with only `[tool.alembic-pilot] lock-rules-start-after` set to `heads`. */
function sameExceptKey(before: TomlTable, after: TomlTable, heads: readonly string[]): boolean {
  const table = (t: TomlTable): Record<string, unknown> | undefined => {
    const tool = t['tool'];
    const pilot = tool && typeof tool === 'object' && !Array.isArray(tool) ? (tool as TomlTable)['alembic-pilot'] : undefined;
    return pilot && typeof pilot === 'object' && !Array.isArray(pilot) ? (pilot as Record<string, unknown>) : undefined;
  };
  const written = table(after)?.[KEY];
  const expected = heads.length === 1 ? heads[0] : heads;
  if (JSON.stringify(written) !== JSON.stringify(expected)) return false;
  const strip = (t: TomlTable): string => {
    const copy = structuredClone(t) as TomlTable;
    const pilot = table(copy);
    if (pilot) delete pilot[KEY];
    const tool = copy['tool'] as TomlTable | undefined;
    if (tool && pilot && Object.keys(pilot).length === 0) delete tool['alembic-pilot'];
    if (tool && Object.keys(tool).length === 0) delete copy['tool'];
    return JSON.stringify(copy);
  };
  return strip(before) === strip(after);
}
