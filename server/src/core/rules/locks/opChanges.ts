import { DYNAMIC_PLACEHOLDER, literalName, originOf } from '../../parse';
import type { OpCall, PyCall } from '../../parse/types';
import { argOf, columnCall, isPyCall, keywordOf, nameOf, tableOf } from '../ops/signatures';
import { pythonAddColumn } from './columns';
import { pythonColumnType } from './columnTypes';
import type { ChangeOn, ConstraintKind } from './types';

/**
 * The schema changes an `op.*` or `batch_op.*` call makes, as Alembic 1.20 renders them for
 * PostgreSQL. Batch operations on PostgreSQL are not "recreate" by default, so they run as the
 * same ALTER statements (at the end of the block).
 */

// A keystroke keeps the op calls of the statements it did not touch (see originOf), and
// reading a call's arguments is most of the cost, so each call is read once.
const cache = new WeakMap<OpCall, readonly ChangeOn[]>();

const NONE: readonly ChangeOn[] = [];

/** The changes of one call; empty for calls that change no table (execute, f, get_bind, ...). */
export function opChanges(call: OpCall): readonly ChangeOn[] {
  const origin = originOf(call);
  let changes = cache.get(origin);
  if (!changes) {
    changes = read(origin);
    cache.set(origin, changes);
  }
  return changes;
}

/** Lower-cased, without its schema: how the rules compare table names. */
export function tableKey(name: string | undefined): string | undefined {
  // A name built at run time (an f-string field, a %-formatted value) is not known.
  if (name === undefined || name.includes(DYNAMIC_PLACEHOLDER)) return undefined;
  const bare = name.slice(name.lastIndexOf('.') + 1);
  return bare.toLowerCase();
}

const CONSTRAINTS: Record<string, ConstraintKind> = {
  create_foreign_key: 'foreign-key',
  create_check_constraint: 'check',
  create_unique_constraint: 'unique',
  create_primary_key: 'primary-key',
  create_exclude_constraint: 'other',
};

/** A `**kwargs` argument may carry any keyword, so what the call lacks cannot be told. */
function hasSplat(call: OpCall): boolean {
  return call.args.some((a) => a.text.startsWith('**'));
}

/** True, false, or undefined when the keyword is set to something that is not a literal boolean (or may come from `**kwargs`). */
function flag(call: OpCall, keyword: string): boolean | undefined {
  const arg = call.args.find((a) => a.keyword === keyword);
  if (arg) return typeof arg.value === 'boolean' ? arg.value : undefined;
  return hasSplat(call) ? undefined : false;
}

function read(call: OpCall): readonly ChangeOn[] {
  if (call.receiver === 'batch' && (call.name === 'create_table' || call.name === 'drop_table' || call.name === 'rename_table')) return NONE;
  const table = tableKey(tableOf(call));
  switch (call.name) {
    case 'create_table':
      return [{ kind: 'create-table', table, to: undefined }];
    case 'drop_table':
      return [{ kind: 'drop-table', table }];
    case 'rename_table':
      return [{ kind: 'rename-table', table: tableKey(nameOf(call, 'old_table_name')), to: tableKey(nameOf(call, 'new_table_name')) }];
    case 'create_index': {
      const concurrently = flag(call, 'postgresql_concurrently');
      if (concurrently === undefined) return [{ kind: 'other-lock', table }];
      return [{ kind: 'create-index', table, index: nameOf(call, 'index_name'), concurrently, ifNotExists: flag(call, 'if_not_exists') !== false }];
    }
    case 'drop_index': {
      const concurrently = flag(call, 'postgresql_concurrently');
      if (concurrently === undefined) return [{ kind: 'other-lock', table }];
      return [{ kind: 'drop-index', table, index: nameOf(call, 'index_name'), concurrently, ifExists: flag(call, 'if_exists') !== false, single: true }];
    }
    case 'add_column': {
      const column = columnCall(call);
      const added = pythonAddColumn(column);
      if (!added) return [helperColumn(call, table)];
      const name = column && added.column === undefined ? columnNameExpression(column) : undefined;
      return [{ ...added, table, ...(name !== undefined ? { columnExpression: name } : {}) }];
    }
    case 'drop_column':
      return [{ kind: 'drop-column', table, column: nameOf(call, 'column_name'), ...expression(call, 'column_name') }];
    case 'alter_column':
      return alterColumn(call, table);
    case 'create_foreign_key':
    case 'create_check_constraint':
    case 'create_unique_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint': {
      const notValid = flag(call, 'postgresql_not_valid');
      if (notValid === undefined) return [{ kind: 'other-lock', table }];
      const condition = call.name === 'create_check_constraint' ? argOf(call, 'condition')?.value : undefined;
      return [
        {
          kind: 'add-constraint',
          table,
          constraint: nameOf(call, 'constraint_name'),
          type: CONSTRAINTS[call.name]!,
          notValid,
          usingIndex: false,
          notNullOf: typeof condition === 'string' ? isNotNullCheck(condition) : undefined,
        },
      ];
    }
    case 'drop_constraint':
    case 'create_table_comment':
    case 'drop_table_comment':
      return [{ kind: 'other-lock', table }];
    default:
      return NONE;
  }
}

function alterColumn(call: OpCall, table: string | undefined): ChangeOn[] {
  const column = nameOf(call, 'column_name');
  const out: ChangeOn[] = [];
  const nullable = argOf(call, 'nullable');
  // `existing_nullable=False` says the column is NOT NULL already: SET NOT NULL then changes nothing and scans nothing.
  if (nullable?.value === false && argOf(call, 'existing_nullable')?.value !== false) out.push({ kind: 'set-not-null', table, column });
  const type = argOf(call, 'type_');
  if (type && type.value !== null) {
    out.push({
      kind: 'alter-type',
      table,
      column,
      to: pythonColumnType(type),
      from: pythonColumnType(argOf(call, 'existing_type')),
      using: argOf(call, 'postgresql_using') !== undefined,
    });
  }
  const rename = argOf(call, 'new_column_name');
  if (rename && rename.value !== null) {
    const to = nameOf(call, 'new_column_name');
    out.push({ kind: 'rename-column', table, column, ...expression(call, 'column_name'), to, ...(to === undefined ? { toExpression: rename.text } : {}) });
  }
  if (out.length === 0) out.push({ kind: 'other-lock', table });
  return out;
}

/**
 * `op.add_column(t, make_column("name", ...))`: a column built by a project helper. Its name
 * is taken from the helper's first argument, so that a swap is recognised; nothing else about
 * it is known, so no rule reports its NOT NULL or its default.
 */
function helperColumn(call: OpCall, table: string | undefined): ChangeOn {
  const value = argOf(call, 'column')?.value;
  const first = isPyCall(value) ? value.args[0] : undefined;
  const name = first && first.keyword === undefined ? literalName(first.value) : undefined;
  if (name === undefined) return { kind: 'other-lock', table };
  return { kind: 'add-column', table, column: name, notNull: false, defaultKind: 'unknown', generated: undefined };
}

/** The source text of a column's name that is a string but not a literal (`f"{col}_new"`). */
function columnNameExpression(column: PyCall): string | undefined {
  const named = keywordOf(column, 'name');
  if (named) return named.text;
  const first = column.args[0];
  return first && first.keyword === undefined && /^[rRbBuUfF]{0,2}["']/.test(first.text) ? first.text : undefined;
}

/** `{ columnExpression }`: the source text of a column argument that is not a literal name. */
function expression(call: OpCall, param: string): { columnExpression?: string } {
  const arg = argOf(call, param);
  return arg && nameOf(call, param) === undefined ? { columnExpression: arg.text } : {};
}

/** The column of a `col IS NOT NULL` check condition. */
function isNotNullCheck(condition: string): string | undefined {
  const m = /^\s*\(?\s*"?([A-Za-z_][\w$]*)"?\s+IS\s+NOT\s+NULL\s*\)?\s*$/i.exec(condition);
  return m ? m[1]!.toLowerCase() : undefined;
}
