import { readFileSync } from 'node:fs';
import { literalName, parseRevisionFile } from '../../parse';
import type { PyCall, RevisionFile } from '../../parse/types';
import type { RevisionHeader } from '../../revisionHeader';
import { decodePythonSource } from '../../scan/decode';
import { argOf, calleeName, columnCall, columnNameArg, isPyCall, nameOf, tableOf } from '../ops/signatures';
import type { RuleContext } from '../types';
import { pythonColumnType, type ColumnType } from './columnTypes';
import { tableKey } from './opChanges';

/**
 * The type a column had before a revision ran, read from the history: the nearest ancestor
 * whose upgrade() creates the column (`op.create_table`, `op.add_column`) or changes its type
 * (`op.alter_column(type_=...)`). `ALTER COLUMN ... TYPE` and `alter_column` without
 * `existing_type` do not say what they change from; the history often does.
 */

/** What one revision's upgrade() leaves a column as: its type, or `unknown` (dropped, renamed, a type that is not a literal). */
type Definition = ColumnType | 'unknown';

const definitionsOf = new WeakMap<RevisionHeader, Map<string, Definition>>();

/**
 * The column's type before the current revision. When the table is not a literal (a loop
 * over table names, say), every table's column of that name counts: if their nearest
 * definitions all agree, that is the type.
 */
export function typeBefore(ctx: RuleContext, table: string | undefined, column: string): ColumnType | undefined {
  const entry = ctx.project.entry(ctx.file.path);
  const rev = entry?.revision;
  if (!rev) return undefined;
  const col = column.toLowerCase();
  const nearest = new Map<string, Definition>();
  for (const ancestor of ctx.project.script.map.ancestors([rev])) {
    if (ancestor === rev) continue;
    const header = ctx.project.entry(ancestor.path)?.header;
    if (!header) continue;
    for (const [key, d] of definitions(header, table, col)) {
      if (!key.endsWith(`.${col}`) || (table !== undefined && key !== `${table}.${col}`) || nearest.has(key)) continue;
      nearest.set(key, d);
      if (table !== undefined) return d === 'unknown' ? undefined : d;
    }
  }
  const found = [...nearest.values()];
  const first = found[0];
  if (!first || first === 'unknown') return undefined;
  return found.every((d) => d !== 'unknown' && d.family === first.family && d.detail === first.detail && d.length === first.length && d.precision === first.precision && d.scale === first.scale)
    ? first
    : undefined;
}

/**
 * The column definitions of one revision's upgrade(), parsed only when its text names both the
 * table and the column; kept per header, which the project replaces when the file changes.
 */
function definitions(header: RevisionHeader, table: string | undefined, column: string): ReadonlyMap<string, Definition> {
  const known = definitionsOf.get(header);
  if (known) return known;
  const text = textOf(header);
  const lower = text?.toLowerCase();
  if (text === undefined || lower === undefined || (table !== undefined && !lower.includes(table)) || !lower.includes(column)) return EMPTY;
  const map = new Map<string, Definition>();
  for (const fn of parsed(header, text).functions) {
    if (fn.direction !== 'upgrade') continue;
    for (const call of fn.opCalls) record(map, call.name, call);
  }
  definitionsOf.set(header, map);
  return map;
}

const EMPTY: ReadonlyMap<string, Definition> = new Map();

function parsed(header: RevisionHeader, text: string): RevisionFile {
  return isRevisionFile(header) ? header : parseRevisionFile(header.path, text);
}

function isRevisionFile(header: RevisionHeader): header is RevisionFile {
  return 'functions' in header && 'text' in header;
}

function textOf(header: RevisionHeader): string | undefined {
  if (isRevisionFile(header)) return header.text;
  try {
    return decodePythonSource(readFileSync(header.path)).text;
  } catch {
    return undefined;
  }
}

function record(map: Map<string, Definition>, name: string, call: Parameters<typeof tableOf>[0]): void {
  const table = tableKey(tableOf(call));
  if (table === undefined) return;
  const set = (column: string | undefined, d: Definition): void => {
    if (column !== undefined) map.set(`${table}.${column.toLowerCase()}`, d);
  };
  if (name === 'create_table') {
    for (const a of call.args) if (isPyCall(a.value) && calleeName(a.value) === 'Column') set(...columnOf(a.value));
  } else if (name === 'add_column') {
    const column = columnCall(call);
    if (column) set(...columnOf(column));
  } else if (name === 'alter_column') {
    const column = nameOf(call, 'column_name');
    const type = argOf(call, 'type_');
    if (argOf(call, 'new_column_name')) set(column, 'unknown');
    else if (type) set(column, pythonColumnType(type) ?? 'unknown');
  } else if (name === 'drop_column') {
    set(nameOf(call, 'column_name'), 'unknown');
  }
}

/** The name and type of `sa.Column("name", Type(...), ...)`. */
function columnOf(column: PyCall): [string | undefined, Definition] {
  const name = literalName(columnNameArg(column)?.value);
  const positional = column.args.filter((a) => a.keyword === undefined);
  const typeArg = (name !== undefined ? positional.slice(1) : positional)[0] ?? column.args.find((a) => a.keyword === 'type_');
  return [name, pythonColumnType(typeArg) ?? 'unknown'];
}
