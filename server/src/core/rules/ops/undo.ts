import { lineIndexOf, originOf } from '../../parse';
import type { MigrationFunction, OpCall, RevisionFile, SqlString } from '../../parse/types';
import { analyzeSql, rangeVarName } from '../../sql/analyze';
import { isRecord } from '../../sql/parser';
import type { SqlParser } from '../types';
import type { Position } from '../../types';
import { type Change, foldOf } from './changes';
import { conventionalNames, type NamingConventions } from './namingConventions';
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
  /** Every part after a dot of the `table.column` names of dropped columns, for a column whose table is unknown. */
  private readonly columnSuffixes = new Set<string>();
  /** The last `leftBehind` answer, as indexes into the changes of its fold. */
  private last: { fold: object; conventions: NamingConventions | undefined; left: readonly number[] } | undefined;

  add(kind: string, name: string | undefined): void {
    if (name === undefined) {
      this.all.add(kind);
      return;
    }
    const lower = name.toLowerCase();
    let set = this.names.get(kind);
    if (!set) {
      set = new Set<string>();
      this.names.set(kind, set);
    }
    set.add(lower);
    if (kind === 'column') {
      for (let dot = lower.indexOf('.'); dot >= 0; dot = lower.indexOf('.', dot + 1)) this.columnSuffixes.add(lower.slice(dot + 1));
    }
  }

  private has(kind: string, name: string | undefined): boolean {
    return this.all.has(kind) || (name !== undefined && (this.names.get(kind)?.has(name.toLowerCase()) ?? false));
  }

  /** Whether the downgrade may drop column `column` of `table` (either may be unknown). */
  private columnGone(table: string | undefined, column: string): boolean {
    if (table === undefined) return this.all.has('column') || this.all.has('column-wild') || this.has('column-any-table', column) || this.columnSuffixes.has(column.toLowerCase());
    return this.has('column', `${table}.${column}`) || this.has('column-any-table', column) || this.has('column-wild', table);
  }

  /**
   * The changes this downgrade may not take back, in their order. Asked again for the changes
   * of the same fold (a keystroke that changed neither function's effect), it answers from
   * memory, with the changes as given.
   */
  leftBehind(changes: readonly Change[], conventions?: NamingConventions): Change[] {
    const fold = foldOf(changes);
    if (this.last?.fold !== fold || this.last.conventions !== conventions) {
      const left: number[] = [];
      changes.forEach((c, i) => {
        if (!this.undoes(c, conventions)) left.push(i);
      });
      this.last = { fold, conventions, left };
    }
    return this.last.left.map((i) => changes[i]!);
  }

  /**
   * Whether a drop of an index or constraint named like `c` (a unique constraint is an index of
   * the same name) takes it back, under the name `c` was given or the one a naming convention
   * made of it.
   */
  private indexOrConstraintGone(c: Change, conventions: NamingConventions | undefined): boolean {
    const names = c.final ? [c.name] : conventionalNames(c, conventions);
    return names.some((n) => this.has('index', n) || this.has('constraint', n)) || (conventions === undefined || conventions.documented ? this.hasLoosely(names) : false);
  }

  /** A drop whose name equals one of `names` once runs of underscores count as one (`ck__t__x` for `ck_t_x`). */
  private hasLoosely(names: readonly string[]): boolean {
    const loose = (n: string): string => n.toLowerCase().replace(/_+/g, '_');
    const wanted = new Set(names.map(loose));
    for (const kind of ['index', 'constraint']) for (const n of this.names.get(kind) ?? []) if (wanted.has(loose(n))) return true;
    return false;
  }

  /** Whether the downgrade may take `c` back. */
  undoes(c: Change, conventions?: NamingConventions): boolean {
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
      case 'constraint':
        return tableGone || columnsGone || this.all.has('index') || this.all.has('constraint') || this.indexOrConstraintGone(c, conventions);
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

/**
 * What the downgrade `fn` of `file` takes back. The result may be the one an earlier call
 * returned for the same downgrade, so callers must not modify it.
 */
export function downgradeUndo(file: RevisionFile, fn: MigrationFunction, sql: SqlParser | undefined): Undone {
  const undos: CallUndo[] = [];
  const events: { at: Position; undo: CallUndo }[] = [];
  for (const call of fn.opCalls) {
    const origin = originOf(call);
    let undo = callUndos.get(origin);
    if (!undo) {
      undo = opUndo(origin);
      callUndos.set(origin, undo);
    }
    if (undo !== NOTHING) {
      undos.push(undo);
      events.push({ at: call.range.start, undo });
    }
  }
  const strings = fn.sql.map(originOf);
  const body = bodyText(file, fn);
  const key = `${file.path}\0${fn.name}`;
  const last = lastRuns.get(key);
  if (last && last.sqlParser === sql && last.body === body && sameItems(last.undos, undos) && sameItems(last.sql, strings) && (last.moduleText === undefined || last.moduleText === file.text)) {
    return last.undone;
  }

  const undone = new Undone();
  if (fn.sql.length > 0) {
    if (!sql) undone.unknown = true;
    else for (const s of fn.sql) for (const e of sqlUndo(sql, s, undone)) events.push({ at: s.positionAt(e.offset), undo: [e.entry] });
  }
  events.sort((a, b) => a.at.line - b.at.line || a.at.character - b.at.character);
  applyInOrder(events, undone);
  const text = textUndo(body, file.text, fn);
  if (text.unknown) undone.unknown = true;
  for (const name of text.enums) undone.add('enum', name);

  lastRuns.delete(key);
  lastRuns.set(key, { undos, sql: strings, sqlParser: sql, body, moduleText: text.readsModule ? file.text : undefined, undone });
  if (lastRuns.size > KEPT_RUNS) lastRuns.delete(lastRuns.keys().next().value!);
  return undone;
}

/**
 * Follows the downgrade as it runs: once it renames a table back, its later calls name the
 * table by its old name, which is translated to the name the table had when the downgrade
 * began (the name the upgrade's changes use).
 */
function applyInOrder(events: readonly { undo: CallUndo }[], undone: Undone): void {
  const began = new Map<string, string>();
  const start = (table: string): string => began.get(table.toLowerCase()) ?? table;
  for (const { undo } of events) {
    if (undo === 'unknown') {
      undone.unknown = true;
      continue;
    }
    for (const [kind, name] of undo) {
      if (name === undefined) {
        undone.add(kind, name);
        continue;
      }
      switch (kind) {
        case 'table-rename': {
          const [from = '', to = ''] = name.split('>');
          const original = start(from);
          undone.add(kind, `${original}>${to}`);
          // The old name names nothing any more (until something takes it again).
          began.set(from.toLowerCase(), `\0${from}`);
          began.set(to.toLowerCase(), original);
          break;
        }
        case 'table':
        case 'column-of':
        case 'column-wild':
          undone.add(kind, start(name));
          break;
        case 'column':
        case 'column-rename': {
          const dot = name.indexOf('.');
          undone.add(kind, dot < 0 ? name : `${start(name.slice(0, dot))}${name.slice(dot)}`);
          break;
        }
        default:
          undone.add(kind, name);
      }
    }
  }
}

/**
 * What a downgrade was read from, so that the next lint of the same downgrade can tell that
 * nothing it depends on changed: what its op calls undo (the same objects for calls whose
 * statements were not edited, see originOf), its SQL strings by origin, the body's text, and
 * the module's text when a bound enum was looked up there. None of it has a position.
 */
interface UndoRun {
  undos: readonly CallUndo[];
  sql: readonly SqlString[];
  sqlParser: SqlParser | undefined;
  body: string;
  moduleText: string | undefined;
  undone: Undone;
}

/** The last reading of each downgrade by file and name, for the few files being edited. */
const lastRuns = new Map<string, UndoRun>();
const KEPT_RUNS = 16;

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What one op call takes back, as `Undone.add` arguments, or 'unknown' when it may do anything. */
type CallUndo = readonly (readonly [kind: string, name: string | undefined])[] | 'unknown';

const NOTHING: CallUndo = [];

// Op calls of statements a keystroke did not touch keep their origin (see originOf), so each
// call's arguments are read once rather than on every lint.
const callUndos = new WeakMap<OpCall, CallUndo>();

function opUndo(call: OpCall): CallUndo {
  const table = tableOf(call);
  switch (call.name) {
    case 'drop_table':
      return [['table', table]];
    case 'drop_column': {
      const column = nameOf(call, 'column_name');
      const dropped: [string, string | undefined] =
        table === undefined ? ['column-any-table', column] : column === undefined ? ['column-wild', table] : ['column', `${table}.${column}`];
      return [dropped, ['column-of', table]];
    }
    case 'drop_index':
      return [['index', nameOf(call, 'index_name')]];
    case 'drop_constraint':
      return [['constraint', nameOf(call, 'constraint_name')]];
    case 'rename_table': {
      const from = nameOf(call, 'old_table_name');
      const to = nameOf(call, 'new_table_name');
      return [['table-rename', from !== undefined && to !== undefined ? `${from}>${to}` : undefined]];
    }
    case 'alter_column': {
      const renamed = argOf(call, 'new_column_name');
      if (!renamed) return NOTHING;
      const from = nameOf(call, 'column_name');
      const to = typeof renamed.value === 'string' ? renamed.value : undefined;
      return [['column-rename', table !== undefined && from !== undefined && to !== undefined ? `${table}.${from}>${to}` : undefined]];
    }
    default:
      return !INERT.has(call.name) && !CREATES.test(call.name) ? 'unknown' : NOTHING;
  }
}

/** What a SQL string of the downgrade takes back, as entries with their offsets; marks `undone` unknown when it cannot tell. */
function sqlUndo(parser: SqlParser, s: MigrationFunction['sql'][number], undone: Undone): { offset: number; entry: readonly [string, string | undefined] }[] {
  const analyzed = analyzeSql(parser, s);
  if (s.dynamic || analyzed.error) {
    undone.unknown = true;
    return [];
  }
  const out: { offset: number; entry: readonly [string, string | undefined] }[] = [];
  for (const st of analyzed.statements) {
    const n = st.node;
    const add = (kind: string, name: string | undefined): void => void out.push({ offset: st.start, entry: [kind, name] });
    if (st.kind === 'DoStmt') undone.unknown = true;
    else if (st.kind === 'DropStmt') {
      const kind = DROP_KINDS[String(n.removeType)];
      if (!kind) continue;
      for (const o of Array.isArray(n.objects) ? n.objects : []) add(kind, objectName(o));
      // CASCADE also drops what depends on the object: foreign keys to a table, columns of a type.
      if (n.behavior === 'DROP_CASCADE') {
        add('constraint', undefined);
        if (kind === 'enum') {
          add('column-of', undefined);
          add('column', undefined);
        }
      }
    } else if (st.kind === 'AlterTableStmt' && n.objtype === 'OBJECT_TABLE') {
      const table = lastPart(rangeVarName(n.relation));
      for (const c of Array.isArray(n.cmds) ? n.cmds : []) {
        const cmd = isRecord(c) && isRecord(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
        const name = typeof cmd?.name === 'string' ? cmd.name : undefined;
        if (cmd?.subtype === 'AT_DropColumn') {
          add('column', table !== undefined && name !== undefined ? `${table}.${name}` : undefined);
          add('column-of', table);
        } else if (cmd?.subtype === 'AT_DropConstraint') add('constraint', name);
      }
    } else if (st.kind === 'RenameStmt') {
      const table = lastPart(rangeVarName(n.relation));
      const to = typeof n.newname === 'string' ? n.newname : undefined;
      if (n.renameType === 'OBJECT_TABLE') add('table-rename', table !== undefined && to !== undefined ? `${table}>${to}` : undefined);
      else if (n.renameType === 'OBJECT_COLUMN') {
        const from = typeof n.subname === 'string' ? n.subname : undefined;
        add('column-rename', table !== undefined && from !== undefined && to !== undefined ? `${table}.${from}>${to}` : undefined);
      } else if (n.renameType === 'OBJECT_INDEX' && table !== undefined) add('index', table);
      else if (n.renameType === 'OBJECT_TABCONSTRAINT') add('constraint', typeof n.subname === 'string' ? n.subname : undefined);
    }
  }
  return out;
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
const EXECUTE_CALL = /\.\s*(?:execute|exec_driver_sql|executescript|executemany)\s*\(/g;

/** The body's whole lines, without the line break after the last one. */
function bodyText(file: RevisionFile, fn: MigrationFunction): string {
  const lines = lineIndexOf(file);
  const last = fn.bodyRange.end.line;
  const end = last + 1 < lines.lineCount ? lines.lineStart(last + 1) - 1 : file.text.length;
  return file.text.slice(lines.lineStart(fn.bodyRange.start.line), end);
}

/**
 * Reads what the parser does not model from the downgrade's text: `sa.Enum(name="x").drop(...)`
 * and `status_enum.drop(...)` (the enum bound in the module or the function), and anything else
 * that may drop objects or do unseen work: another `.drop()`, `metadata.drop_all()`, and
 * statement-level calls of helper functions. Constructors (capitalised) are not helpers.
 * `readsModule` tells whether the module's text was looked at too.
 */
function textUndo(body: string, moduleText: string, fn: MigrationFunction): { unknown: boolean; enums: string[]; readsModule: boolean } {
  const result = { unknown: false, enums: [] as string[], readsModule: false };
  for (const m of body.matchAll(/^[ \t]*([a-z_]\w*)\s*\(/gm)) {
    if (!KEYWORDS.has(m[1]!)) result.unknown = true;
  }
  // SQL run through something the parser does not know as a connection (an engine of the
  // project's own, a session, a cursor) is work this reading cannot see.
  const executes = [...body.matchAll(EXECUTE_CALL)].length;
  const seen = fn.opCalls.filter((c) => c.name === 'execute').length + fn.sql.filter((s) => s.via === 'connection.execute').length;
  if (executes > seen) result.unknown = true;
  const enumCalls = new Map<number, string | undefined>();
  for (const m of body.matchAll(ENUM_CALL)) {
    const end = callEnd(body, m.index + m[0].length - 1);
    if (end !== undefined) enumCalls.set(end, enumName(body.slice(m.index, end)));
  }
  for (const m of body.matchAll(DROP_METHOD)) {
    // The code before `.drop`: where it ends, and the name it ends with unless that is an attribute.
    const before = skipSpaceBack(body, m.index);
    const receiver = trailingName(body, before);
    let name: string | undefined;
    if (m[1] === undefined && enumCalls.has(before)) name = enumCalls.get(before);
    else if (m[1] === undefined && receiver !== undefined && body[skipSpaceBack(body, receiver) - 1] !== '.') {
      result.readsModule = true;
      name = boundEnumName(moduleText, body, body.slice(receiver, before));
    }
    if (name === undefined) result.unknown = true;
    else result.enums.push(name);
  }
  return result;
}

/** The offset where the whitespace (as `String.prototype.trimEnd` sees it) before `end` starts. */
function skipSpaceBack(text: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  return i;
}

/**
 * Where the name that ends at `end` starts (a letter or underscore followed by word
 * characters, as `/[A-Za-z_]\w*$/` would match it), or undefined when no name ends there.
 */
function trailingName(text: string, end: number): number | undefined {
  let start = end;
  while (start > 0 && /\w/.test(text[start - 1]!)) start--;
  while (start < end && /\d/.test(text[start]!)) start++;
  return start < end ? start : undefined;
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
