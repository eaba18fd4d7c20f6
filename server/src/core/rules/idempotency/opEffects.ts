import { literalName } from '../../parse';
import type { OpCall } from '../../parse/types';
import { nameTable } from '../../nameTable';
import { argOf, columnCall, columnNameArg, nameOf, tableOf } from '../ops/signatures';
import type { Version } from '../versionSpec';
import { objectKey, type Effect } from './secondRun';

/**
 * What an `op.*` call creates and drops, for the second-run simulation. The calls Alembic can
 * guard with `if_not_exists=True`/`if_exists=True` carry that guard's description, which
 * non-idempotent-op reports when the call fails on a second run; the others (constraints,
 * renames) only change what exists.
 */

export interface Guard {
  keyword: 'if_not_exists' | 'if_exists';
  /**
   * The Alembic release that added the keyword: indexes in 1.11.2, tables in 1.13.3, columns
   * in 1.16.0 (Alembic's changelog; the docstrings of 1.20 say 1.12.0 for indexes, which is
   * the release after the feature shipped).
   */
  since: Version;
  /** What fails, for the message: "table", "index", "column". */
  object: 'table' | 'index' | 'column';
  creates: boolean;
}

export interface OpEffect extends Effect {
  /** Set on an effect of a guardable call that has no guard keyword. */
  guard?: Guard;
}

const INDEX: Version = [1, 11, 2];
const TABLE: Version = [1, 13, 3];
const COLUMN: Version = [1, 16, 0];

export const GUARDS = nameTable<Guard>({
  create_table: { keyword: 'if_not_exists', since: TABLE, object: 'table', creates: true },
  drop_table: { keyword: 'if_exists', since: TABLE, object: 'table', creates: false },
  create_index: { keyword: 'if_not_exists', since: INDEX, object: 'index', creates: true },
  drop_index: { keyword: 'if_exists', since: INDEX, object: 'index', creates: false },
  add_column: { keyword: 'if_not_exists', since: COLUMN, object: 'column', creates: true },
  drop_column: { keyword: 'if_exists', since: COLUMN, object: 'column', creates: false },
});

/** `batch_alter_table` has no create_table or drop_table. */
const BATCH_METHODS = new Set(['create_index', 'drop_index', 'add_column', 'drop_column']);

const CONSTRAINT_CREATES = new Set(['create_foreign_key', 'create_unique_constraint', 'create_check_constraint', 'create_primary_key', 'create_exclude_constraint']);

const cache = new WeakMap<OpCall, OpEffect[]>();

/** The effects of one call; cached per call object, since they depend on its arguments only. */
export function opEffects(call: OpCall): OpEffect[] {
  let effects = cache.get(call);
  if (!effects) {
    effects = read(call);
    cache.set(call, effects);
  }
  return effects;
}

function read(call: OpCall): OpEffect[] {
  if (call.receiver === 'batch' && (call.name === 'create_table' || call.name === 'drop_table')) return [];
  const table = tableOf(call);
  const g = GUARDS[call.name];
  const guard = g && (call.receiver !== 'batch' || BATCH_METHODS.has(call.name)) && unguarded(call, g) ? g : undefined;
  // A guardable call without a reportable gap is guarded: by its keyword, or perhaps by `**kwargs`.
  const guarded = !!g && !guard;
  const effect = (action: 'create' | 'drop', key: string | undefined, extra: Partial<OpEffect> = {}): OpEffect => ({
    action,
    key,
    guarded,
    ...extra,
    ...(guard ? { guard } : {}),
  });
  switch (call.name) {
    case 'create_table': {
      const prefixes = call.args.find((a) => a.keyword === 'prefixes');
      const temporary = prefixes !== undefined && /\bTEMP(ORARY)?\b/i.test(prefixes.text);
      return [effect('create', objectKey('table', table), temporary ? { temporary: true } : {})];
    }
    case 'drop_table':
      return [effect('drop', objectKey('table', table))];
    case 'create_index':
      return [effect('create', objectKey('index', nameOf(call, 'index_name')), table !== undefined ? { table: table.toLowerCase() } : {})];
    case 'drop_index':
      return [effect('drop', objectKey('index', nameOf(call, 'index_name')))];
    case 'add_column': {
      const column = columnCall(call);
      const name = column && literalName(columnNameArg(column)?.value);
      return [effect('create', table === undefined ? undefined : objectKey('column', name, table))];
    }
    case 'drop_column':
      return [effect('drop', table === undefined ? undefined : objectKey('column', nameOf(call, 'column_name'), table))];
    case 'drop_constraint': {
      const key = table === undefined ? undefined : objectKey('constraint', nameOf(call, 'constraint_name'), table);
      return key ? [{ action: 'drop', key, guarded: false, silent: true }] : [];
    }
    case 'rename_table': {
      const from = objectKey('table', nameOf(call, 'old_table_name'));
      const to = objectKey('table', nameOf(call, 'new_table_name'));
      return from && to ? [{ action: 'drop', key: from, guarded: false, silent: true }, { action: 'create', key: to, guarded: false, silent: true }] : [];
    }
    case 'alter_column': {
      const renamed = argOf(call, 'new_column_name')?.value;
      const from = table === undefined ? undefined : objectKey('column', nameOf(call, 'column_name'), table);
      const to = table === undefined || typeof renamed !== 'string' ? undefined : objectKey('column', renamed, table);
      return from && to ? [{ action: 'drop', key: from, guarded: false, silent: true }, { action: 'create', key: to, guarded: false, silent: true }] : [];
    }
    default: {
      if (!CONSTRAINT_CREATES.has(call.name) || table === undefined) return [];
      const key = objectKey('constraint', nameOf(call, 'constraint_name'), table);
      return key ? [{ action: 'create', key, guarded: false, silent: true }] : [];
    }
  }
}

/**
 * True when the call has no guard keyword at all. An explicit `if_exists=False` is a decision,
 * and `**kwargs` may carry the keyword, so neither is reported.
 */
function unguarded(call: OpCall, guard: Guard): boolean {
  if (call.args.some((a) => a.keyword === guard.keyword || a.text.startsWith('**'))) return false;
  // PostgreSQL refuses IF NOT EXISTS on an index without a name, and Alembic names none.
  if (call.name === 'create_index' && argOf(call, 'index_name')?.value === null) return false;
  return true;
}
