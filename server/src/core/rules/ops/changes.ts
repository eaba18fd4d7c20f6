import type { MigrationFunction, OpCall, PyCall, PyLiteralValue } from '../../parse/types';
import { argOf, calleeName, columnCall, columnNameArg, isPyCall, keywordOf, nameOf, tableOf } from './signatures';

/**
 * What an upgrade leaves in the database that a downgrade has to take back, read from its
 * `op.*` calls in order. Only statically known names count: a change whose name is a
 * variable, an f-string or None cannot be named, so it is never reported.
 */

export type ChangeKind = 'table' | 'column' | 'index' | 'constraint' | 'enum' | 'table-rename' | 'column-rename';

export interface Change {
  kind: ChangeKind;
  /** The object's name; for a rename, the new name. */
  name: string;
  /** The table of a column, index, constraint or column rename, when known. */
  table?: string;
  /** For a rename, the old name. */
  from?: string;
  /** The columns an index or constraint covers, when they are literal names. */
  columns?: string[];
  /** For a constraint, Alembic's `type_` of drop_constraint. */
  constraintType?: string;
  /** The call that made the change. */
  call: OpCall;
}

export const CONSTRAINT_TYPES: Record<string, string> = {
  create_foreign_key: 'foreignkey',
  create_unique_constraint: 'unique',
  create_check_constraint: 'check',
  create_primary_key: 'primary',
  // drop_constraint's type_ has no value for exclusion constraints; PostgreSQL needs none.
  create_exclude_constraint: '',
};

// Comparing lengths first keeps the quadratic duplicate check of a long upgrade from
// lower-casing two strings per pair.
const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && (a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase()));

/** The changes of an upgrade that are still in place when it returns. */
export function upgradeChanges(fn: MigrationFunction): Change[] {
  let changes: Change[] = [];
  // Changes by kind and lower-cased name, so that the duplicate check of a long upgrade is not
  // quadratic. Drops and renames edit `changes` in place and drop the index; it is rebuilt.
  let index: Map<string, Change[]> | undefined;
  const keyOf = (c: Change): string => `${c.kind}\0${c.name.toLowerCase()}`;
  const add = (c: Change): void => {
    if (!index) {
      index = new Map();
      for (const x of changes) index.set(keyOf(x), [...(index.get(keyOf(x)) ?? []), x]);
    }
    const key = keyOf(c);
    const existing = index.get(key) ?? [];
    if (existing.some((x) => x.table === undefined || c.table === undefined || same(x.table, c.table))) return;
    changes.push(c);
    index.set(key, [...existing, c]);
  };
  for (const call of fn.opCalls) {
    const table = tableOf(call);
    switch (call.name) {
      case 'create_table':
        if (table === undefined) break;
        add({ kind: 'table', name: table, call });
        for (const name of enumTypes(call)) add({ kind: 'enum', name, call });
        break;
      case 'add_column': {
        const column = columnCall(call);
        const name = column && columnNameArg(column)?.value;
        if (table !== undefined && typeof name === 'string') add({ kind: 'column', name, table, call });
        break;
      }
      case 'create_index': {
        const name = nameOf(call, 'index_name');
        if (name !== undefined) add({ kind: 'index', name, ...(table !== undefined ? { table } : {}), ...columnsOf(call, 'columns'), call });
        break;
      }
      case 'rename_table': {
        const from = nameOf(call, 'old_table_name');
        const to = nameOf(call, 'new_table_name');
        if (from === undefined || to === undefined) break;
        const created = changes.filter((c) => (c.kind === 'table' && same(c.name, from)) || same(c.table, from));
        // A table created by this same upgrade only needs dropping under its new name.
        index = undefined;
        if (created.some((c) => c.kind === 'table')) {
          for (const c of created) {
            if (c.kind === 'table') c.name = to;
            else c.table = to;
          }
        } else add({ kind: 'table-rename', name: to, from, call });
        break;
      }
      case 'alter_column': {
        const from = nameOf(call, 'column_name');
        const renamed = argOf(call, 'new_column_name');
        const to = typeof renamed?.value === 'string' ? renamed.value : undefined;
        if (from === undefined || to === undefined || table === undefined) break;
        const added = changes.find((c) => c.kind === 'column' && same(c.table, table) && same(c.name, from));
        index = undefined;
        if (added) added.name = to;
        else add({ kind: 'column-rename', name: to, from, table, call });
        break;
      }
      case 'drop_table':
        index = undefined;
        if (table !== undefined) changes = changes.filter((c) => !(c.kind === 'table' && same(c.name, table)) && !same(c.table, table));
        break;
      case 'drop_column': {
        const name = nameOf(call, 'column_name');
        index = undefined;
        changes = changes.filter((c) => !(c.kind === 'column' && same(c.table, table) && same(c.name, name)));
        break;
      }
      case 'drop_index': {
        const name = nameOf(call, 'index_name');
        index = undefined;
        changes = changes.filter((c) => !(c.kind === 'index' && same(c.name, name)));
        break;
      }
      case 'drop_constraint': {
        const name = nameOf(call, 'constraint_name');
        index = undefined;
        changes = changes.filter((c) => !(c.kind === 'constraint' && same(c.name, name)));
        break;
      }
      default: {
        const type = CONSTRAINT_TYPES[call.name];
        const name = type !== undefined ? nameOf(call, 'constraint_name') : undefined;
        const columns = columnsOf(call, call.name === 'create_foreign_key' ? 'local_cols' : 'columns');
        if (type !== undefined && name !== undefined) add({ kind: 'constraint', name, ...(table !== undefined ? { table } : {}), ...columns, constraintType: type, call });
      }
    }
  }
  return changes;
}

/** `{ columns }` when `param` is a list of literal column names. */
function columnsOf(call: OpCall, param: string): { columns?: string[] } {
  const value = argOf(call, param)?.value;
  return Array.isArray(value) && value.length > 0 && value.every((v): v is string => typeof v === 'string') ? { columns: value } : {};
}

/**
 * The PostgreSQL enum types that `create_table` creates for its `sa.Enum(..., name="x")` and
 * `postgresql.ENUM(..., name="x")` columns (SQLAlchemy's before-create event of the table).
 * `add_column` fires no such event, so its enum types must already exist and are not its to
 * drop. `create_type=False` and `native_enum=False` create no type.
 */
export function enumTypes(call: OpCall): string[] {
  const found: string[] = [];
  const visit = (value: PyLiteralValue | undefined): void => {
    if (Array.isArray(value)) value.forEach(visit);
    if (!isPyCall(value)) return;
    if (isEnumCall(value)) {
      const name = keywordOf(value, 'name')?.value;
      const off = keywordOf(value, 'create_type')?.value === false || keywordOf(value, 'native_enum')?.value === false;
      if (typeof name === 'string' && !off && !found.includes(name)) found.push(name);
    }
    for (const a of value.args) visit(a.value);
  };
  for (const a of call.args) visit(a.value);
  return found;
}

export function isEnumCall(call: PyCall): boolean {
  const name = calleeName(call);
  return name === 'Enum' || name === 'ENUM';
}
