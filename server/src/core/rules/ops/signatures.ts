import { literalName } from '../../parse';
import type { CallArg, OpCall, PyCall, PyLiteralValue } from '../../parse/types';
import { nameTable } from '../../nameTable';

/**
 * The positional parameters of the `op.*` and `batch_op.*` methods the rules read, as Alembic
 * 1.20 declares them (alembic/operations/base.py), so an argument is found the same way
 * whether it is written positionally or by keyword.
 */

const OP_PARAMS = nameTable<readonly string[]>({
  create_table: ['table_name'],
  drop_table: ['table_name'],
  add_column: ['table_name', 'column'],
  drop_column: ['table_name', 'column_name'],
  create_index: ['index_name', 'table_name', 'columns'],
  drop_index: ['index_name', 'table_name'],
  create_foreign_key: ['constraint_name', 'source_table', 'referent_table', 'local_cols', 'remote_cols'],
  create_unique_constraint: ['constraint_name', 'table_name', 'columns'],
  create_check_constraint: ['constraint_name', 'table_name', 'condition'],
  create_primary_key: ['constraint_name', 'table_name', 'columns'],
  create_exclude_constraint: ['constraint_name', 'table_name'],
  drop_constraint: ['constraint_name', 'table_name', 'type_'],
  rename_table: ['old_table_name', 'new_table_name'],
  alter_column: ['table_name', 'column_name'],
});

const BATCH_PARAMS = nameTable<readonly string[]>({
  add_column: ['column'],
  drop_column: ['column_name'],
  create_index: ['index_name', 'columns'],
  drop_index: ['index_name'],
  create_foreign_key: ['constraint_name', 'referent_table', 'local_cols', 'remote_cols'],
  create_unique_constraint: ['constraint_name', 'columns'],
  create_check_constraint: ['constraint_name', 'condition'],
  create_primary_key: ['constraint_name', 'columns'],
  create_exclude_constraint: ['constraint_name'],
  drop_constraint: ['constraint_name', 'type_'],
  alter_column: ['column_name'],
});

/** The table parameter of each method, which a batch call takes from its block instead. */
const TABLE_PARAM = nameTable<string>({
  add_column: 'table_name',
  drop_column: 'table_name',
  create_index: 'table_name',
  drop_index: 'table_name',
  create_foreign_key: 'source_table',
  create_unique_constraint: 'table_name',
  create_check_constraint: 'table_name',
  create_primary_key: 'table_name',
  create_exclude_constraint: 'table_name',
  drop_constraint: 'table_name',
  alter_column: 'table_name',
});

/**
 * The argument bound to `param`, by keyword or by position. Undefined when it is absent, and
 * also when a `*args` splat comes before its position, since the position is then unknown.
 */
export function argOf(call: OpCall, param: string): CallArg | undefined {
  const args = call.args;
  const byKeyword = args.find((a) => a.keyword === param);
  if (byKeyword) return byKeyword;
  const params = (call.receiver === 'batch' ? BATCH_PARAMS : OP_PARAMS)[call.name];
  const index = params?.indexOf(param) ?? -1;
  if (index < 0) return undefined;
  let position = 0;
  for (const a of args) {
    if (a.keyword !== undefined) continue;
    if (a.text.startsWith('*')) return undefined;
    if (position === index) return a;
    position++;
  }
  return undefined;
}

/** The literal name bound to `param` (a string or `op.f("...")`), or undefined. */
export function nameOf(call: OpCall, param: string): string | undefined {
  return literalName(argOf(call, param)?.value);
}

/**
 * The table a call works on: its table argument, or the literal table of the enclosing
 * `batch_alter_table` for a batch call. `create_table`/`drop_table` name it first.
 */
export function tableOf(call: OpCall): string | undefined {
  if (call.name === 'create_table' || call.name === 'drop_table') return nameOf(call, 'table_name');
  if (call.receiver === 'batch') return call.batchTable;
  const param = TABLE_PARAM[call.name];
  return param ? nameOf(call, param) : undefined;
}

export function isPyCall(value: PyLiteralValue | undefined): value is PyCall {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The keyword argument `name` of a Python call value. */
export function keywordOf(call: PyCall, name: string): CallArg | undefined {
  return call.args.find((a) => a.keyword === name);
}

/** The last part of a dotted callee: `sa.Column` → `Column`. */
export function calleeName(call: PyCall): string {
  return call.call.slice(call.call.lastIndexOf('.') + 1);
}

/** The `sa.Column(...)` of an `add_column`, when the column is written in the call. */
export function columnCall(call: OpCall): PyCall | undefined {
  const value = argOf(call, 'column')?.value;
  return isPyCall(value) && calleeName(value) === 'Column' ? value : undefined;
}

/** The name argument of `sa.Column(...)`: the first positional string or `name=`. */
export function columnNameArg(column: PyCall): CallArg | undefined {
  const named = keywordOf(column, 'name');
  if (named) return typeof named.value === 'string' ? named : undefined;
  const first = column.args[0];
  return first && first.keyword === undefined && typeof first.value === 'string' ? first : undefined;
}

/** True for a keyword argument whose value is the literal `True`. */
export function isTrueKeyword(call: OpCall, keyword: string): boolean {
  return call.args.some((a) => a.keyword === keyword && a.value === true);
}
