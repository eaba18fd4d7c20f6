import type { MigrationFunction, OpCall, RevisionFile } from '../../parse/types';
import { analyzeSql, rangeVarName } from '../../sql/analyze';
import { isRecord } from '../../sql/parser';
import type { SqlParser } from '../types';
import type { Change } from './changes';
import { argOf, nameOf, tableOf } from './signatures';

/**
 * What a downgrade takes back, read conservatively: a drop or rename whose name cannot be
 * known counts as undoing everything of its kind, and a downgrade that may do more than this
 * reading sees (a helper call, a dynamic or unparsed SQL string, a `.drop()` on an unknown
 * object) counts as undoing everything, so the rule never reports what might be undone.
 */
export class Undone {
  /** Everything might be undone; nothing is reported. */
  unknown = false;
  private readonly names = new Map<string, Set<string>>();
  private readonly all = new Set<string>();

  add(kind: string, name: string | undefined): void {
    if (name === undefined) {
      this.all.add(kind);
      return;
    }
    const set = this.names.get(kind) ?? new Set<string>();
    set.add(name.toLowerCase());
    this.names.set(kind, set);
  }

  private has(kind: string, name: string | undefined): boolean {
    return this.all.has(kind) || (name !== undefined && (this.names.get(kind)?.has(name.toLowerCase()) ?? false));
  }

  /** Whether the downgrade may drop column `column` of `table` (either may be unknown). */
  private columnGone(table: string | undefined, column: string): boolean {
    if (table === undefined) return this.all.has('column') || this.all.has('column-wild') || this.has('column-any-table', column) || [...(this.names.get('column') ?? [])].some((k) => k.endsWith(`.${column.toLowerCase()}`));
    return this.has('column', `${table}.${column}`) || this.has('column-any-table', column) || this.has('column-wild', table);
  }

  /** Whether the downgrade may take `c` back. */
  undoes(c: Change): boolean {
    if (this.unknown) return true;
    const tableGone = c.table !== undefined ? this.has('table', c.table) : this.all.has('table');
    // Dropping a column drops the indexes and constraints on it. When the columns of one are
    // not literal (a CHECK's condition, an expression index), any dropped column of its table
    // counts.
    const columnsGone = c.columns ? c.columns.some((col) => this.columnGone(c.table, col)) : c.table !== undefined ? this.has('column-of', c.table) : this.all.has('column-of');
    switch (c.kind) {
      case 'table':
        return this.has('table', c.name);
      case 'column':
        return tableGone || this.columnGone(c.table, c.name);
      case 'index':
        return tableGone || columnsGone || this.has('index', c.name);
      case 'constraint':
        return tableGone || columnsGone || this.has('constraint', c.name);
      case 'enum':
        return this.has('enum', c.name);
      case 'table-rename':
        return this.has('table', c.name) || this.has('table-rename', `${c.name}>${c.from}`);
      case 'column-rename':
        return tableGone || this.columnGone(c.table, c.name) || this.has('column-rename', `${c.table}.${c.name}>${c.from}`);
    }
  }
}

/** Op calls that neither undo anything nor hide work this reading cannot see. */
const INERT = new Set(['f', 'get_bind', 'get_context', 'batch_alter_table', 'inline_literal', 'bulk_insert', 'execute', 'create_table_comment', 'drop_table_comment']);
const CREATES = /^(create_|add_column$)/;

export function downgradeUndo(file: RevisionFile, fn: MigrationFunction, sql: SqlParser | undefined): Undone {
  const undone = new Undone();
  for (const call of fn.opCalls) opUndo(call, undone);
  if (fn.sql.length > 0) {
    if (!sql) undone.unknown = true;
    else for (const s of fn.sql) sqlUndo(sql, s, undone);
  }
  textUndo(file, fn, undone);
  return undone;
}

function opUndo(call: OpCall, undone: Undone): void {
  const table = tableOf(call);
  switch (call.name) {
    case 'drop_table':
      return undone.add('table', table);
    case 'drop_column': {
      const column = nameOf(call, 'column_name');
      if (table === undefined) undone.add('column-any-table', column);
      else if (column === undefined) undone.add('column-wild', table);
      else undone.add('column', `${table}.${column}`);
      return undone.add('column-of', table);
    }
    case 'drop_index':
      return undone.add('index', nameOf(call, 'index_name'));
    case 'drop_constraint':
      return undone.add('constraint', nameOf(call, 'constraint_name'));
    case 'rename_table': {
      const from = nameOf(call, 'old_table_name');
      const to = nameOf(call, 'new_table_name');
      return undone.add('table-rename', from !== undefined && to !== undefined ? `${from}>${to}` : undefined);
    }
    case 'alter_column': {
      const renamed = argOf(call, 'new_column_name');
      if (!renamed) return;
      const from = nameOf(call, 'column_name');
      const to = typeof renamed.value === 'string' ? renamed.value : undefined;
      return undone.add('column-rename', table !== undefined && from !== undefined && to !== undefined ? `${table}.${from}>${to}` : undefined);
    }
    default:
      if (!INERT.has(call.name) && !CREATES.test(call.name)) undone.unknown = true;
  }
}

function sqlUndo(parser: SqlParser, s: MigrationFunction['sql'][number], undone: Undone): void {
  const analyzed = analyzeSql(parser, s);
  if (s.dynamic || analyzed.error) {
    undone.unknown = true;
    return;
  }
  for (const st of analyzed.statements) {
    const n = st.node;
    if (st.kind === 'DoStmt') undone.unknown = true;
    else if (st.kind === 'DropStmt') {
      const kind = DROP_KINDS[String(n.removeType)];
      if (!kind) continue;
      for (const o of Array.isArray(n.objects) ? n.objects : []) undone.add(kind, objectName(o));
      // CASCADE also drops what depends on the object: foreign keys to a table, columns of a type.
      if (n.behavior === 'DROP_CASCADE') {
        undone.add('constraint', undefined);
        if (kind === 'enum') {
          undone.add('column-of', undefined);
          undone.add('column', undefined);
        }
      }
    } else if (st.kind === 'AlterTableStmt' && n.objtype === 'OBJECT_TABLE') {
      const table = lastPart(rangeVarName(n.relation));
      for (const c of Array.isArray(n.cmds) ? n.cmds : []) {
        const cmd = isRecord(c) && isRecord(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
        const name = typeof cmd?.name === 'string' ? cmd.name : undefined;
        if (cmd?.subtype === 'AT_DropColumn') {
          undone.add('column', table !== undefined && name !== undefined ? `${table}.${name}` : undefined);
          undone.add('column-of', table);
        } else if (cmd?.subtype === 'AT_DropConstraint') undone.add('constraint', name);
      }
    } else if (st.kind === 'RenameStmt') {
      const table = lastPart(rangeVarName(n.relation));
      const to = typeof n.newname === 'string' ? n.newname : undefined;
      if (n.renameType === 'OBJECT_TABLE') undone.add('table-rename', table !== undefined && to !== undefined ? `${table}>${to}` : undefined);
      else if (n.renameType === 'OBJECT_COLUMN') {
        const from = typeof n.subname === 'string' ? n.subname : undefined;
        undone.add('column-rename', table !== undefined && from !== undefined && to !== undefined ? `${table}.${from}>${to}` : undefined);
      }
    }
  }
}

const DROP_KINDS: Record<string, string> = { OBJECT_TABLE: 'table', OBJECT_INDEX: 'index', OBJECT_TYPE: 'enum' };

function objectName(o: unknown): string | undefined {
  if (!isRecord(o)) return undefined;
  const items = isRecord(o.List) ? o.List.items : isRecord(o.TypeName) ? o.TypeName.names : undefined;
  if (!Array.isArray(items)) return undefined;
  const last = items[items.length - 1];
  return isRecord(last) && isRecord(last.String) && typeof last.String.sval === 'string' ? last.String.sval : undefined;
}

function lastPart(name: string | undefined): string | undefined {
  return name?.slice(name.lastIndexOf('.') + 1);
}

const KEYWORDS = new Set(['if', 'elif', 'while', 'for', 'return', 'assert', 'not', 'del', 'raise', 'with', 'await', 'print', 'yield', 'lambda', 'text']);
const ENUM_CALL = /\b(?:[A-Za-z_]\w*\s*\.\s*)*(?:Enum|ENUM)\s*\(/g;
const DROP_METHOD = /\.\s*drop(_all)?\s*\(/g;

/**
 * Reads what the parser does not model from the downgrade's text: `sa.Enum(name="x").drop(...)`
 * and `status_enum.drop(...)` (the enum bound in the module or the function), and anything else
 * that may drop objects or do unseen work: another `.drop()`, `metadata.drop_all()`, and
 * statement-level calls of helper functions. Constructors (capitalised) are not helpers.
 */
function textUndo(file: RevisionFile, fn: MigrationFunction, undone: Undone): void {
  const lines = file.text.split('\n');
  const body = lines.slice(fn.bodyRange.start.line, fn.bodyRange.end.line + 1).join('\n');
  for (const m of body.matchAll(/^[ \t]*([a-z_]\w*)\s*\(/gm)) {
    if (!KEYWORDS.has(m[1]!)) undone.unknown = true;
  }
  const enumCalls = new Map<number, string | undefined>();
  for (const m of body.matchAll(ENUM_CALL)) {
    const end = callEnd(body, m.index + m[0].length - 1);
    if (end !== undefined) enumCalls.set(end, enumName(body.slice(m.index, end)));
  }
  for (const m of body.matchAll(DROP_METHOD)) {
    const before = body.slice(0, m.index).trimEnd();
    const receiver = /([A-Za-z_]\w*)$/.exec(before);
    let name: string | undefined;
    if (m[1] === undefined && enumCalls.has(before.length)) name = enumCalls.get(before.length);
    else if (m[1] === undefined && receiver && !/\.\s*$/.test(before.slice(0, receiver.index))) name = boundEnumName(file.text, body, receiver[1]!);
    if (name === undefined) undone.unknown = true;
    else undone.add('enum', name);
  }
}

/** The enum name of `receiver = sa.Enum(..., name="x")` in the function, else at module level. */
function boundEnumName(text: string, body: string, receiver: string): string | undefined {
  const pattern = `${receiver}\\s*(?::[^=\\n]*)?=\\s*(?:[A-Za-z_]\\w*\\s*\\.\\s*)*(?:Enum|ENUM)\\s*\\(`;
  const bound = new RegExp(`^[ \\t]+${pattern}`, 'm').exec(body) ?? new RegExp(`^${pattern}`, 'm').exec(text);
  const end = bound ? callEnd(bound.input, bound.index + bound[0].length - 1) : undefined;
  return bound && end !== undefined ? enumName(bound.input.slice(bound.index, end)) : undefined;
}

function enumName(callText: string): string | undefined {
  return /\bname\s*=\s*(['"])([^'"\\]*)\1/.exec(callText)?.[2];
}

/** The offset just past the parenthesis closing the one at `open`, skipping strings and comments. */
export function callEnd(text: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl;
    } else if (ch === '"' || ch === "'") {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
    } else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
