import { originOf } from '../../parse';
import type { MigrationFunction, OpCall, PyCall, PyLiteralValue } from '../../parse/types';
import type { Position } from '../../types';
import type { SqlParser } from '../types';
import { argOf, calleeName, columnCall, columnNameArg, isPyCall, keywordOf, nameOf, tableOf } from './signatures';
import { nameTable } from '../../nameTable';
import { sqlEffectsFor, type Effect } from './effects';

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
  /** For a foreign key, the table it refers to, when literal. */
  referent?: string;
  /** The name was given as `op.f(...)`: already final, so no naming convention applies to it. */
  final?: boolean;
  /** The call that made the change. */
  call: OpCall;
}

export const CONSTRAINT_TYPES = nameTable<string>({
  create_foreign_key: 'foreignkey',
  create_unique_constraint: 'unique',
  create_check_constraint: 'check',
  create_primary_key: 'primary',
  // drop_constraint's type_ has no value for exclusion constraints; PostgreSQL needs none.
  create_exclude_constraint: '',
});

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && (a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase()));

const NONE: Effect = { op: 'none' };

// A keystroke re-parses the file but keeps the op calls of the statements it did not touch
// (as the same objects, or as moved copies with the same origin; see originOf). Reading a
// call's arguments is most of the cost of this rule, so each call is read once, and an upgrade
// whose calls that change anything are those of the last lint (a keystroke in another
// statement, in SQL text, or a line added above) gets the last answer without a new fold.
const effects = new WeakMap<OpCall, Effect>();
const lastRuns = new WeakMap<object, Run>();

/** One fold of an upgrade's calls and its result. */
interface Run {
  /** The calls and SQL strings that change something, as origins; what the result is determined by. */
  origins: readonly object[];
  /** The call of each event (undefined for SQL), where it is now. */
  calls: readonly (OpCall | undefined)[];
  changes: Change[];
  /** For each change, the index in `calls` of the call that made it. */
  madeBy: readonly number[];
  /** Shared by the results of this fold and of its answers for moved calls (see `foldOf`). */
  fold: object;
}

const folds = new WeakMap<readonly Change[], object>();

/**
 * A token for the fold `changes` came from. Two results with the same token hold the same
 * changes in the same order, made by calls that differ only in position, so what depends on
 * the changes' names alone can be kept while lines move.
 */
export function foldOf(changes: readonly Change[]): object {
  return folds.get(changes) ?? changes;
}

/**
 * The changes of an upgrade that are still in place when it returns. The result may be the
 * one an earlier call returned for the same calls, so callers must not modify it.
 *
 * The upgrade is followed as it runs, op calls and (with PostgreSQL's parser) raw SQL in
 * source order. An object the upgrade drops or renames away and then creates again under the
 * same name existed before it ran, so its re-creation is no change for the downgrade to take
 * back; neither is what is created after a drop whose name cannot be known, nor what is
 * created on a table that was dropped and re-created.
 */
export function upgradeChanges(fn: MigrationFunction, sql?: SqlParser): Change[] {
  const events: Event[] = [];
  for (const call of fn.opCalls) {
    const origin = originOf(call);
    const effect = effectFor(origin);
    if (effect.op !== 'none') events.push({ origin, call, effect, at: call.range.start });
  }
  if (sql) {
    for (const s of fn.sql) {
      const origin = originOf(s);
      const found = sqlEffectsFor(sql, origin);
      for (const { effect, offset } of found) events.push({ origin, effect, at: s.positionAt(offset) });
    }
    events.sort((a, b) => a.at.line - b.at.line || a.at.character - b.at.character);
  }
  if (events.length === 0) return [];
  const origins = events.map((e) => e.origin);
  const calls = events.map((e) => e.call);
  const last = lastRuns.get(origins[0]!);
  if (last && sameItems(last.origins, origins)) {
    if (sameItems(last.calls, calls)) return last.changes;
    // The same calls, moved: the same changes, each pointing at its call where it is now.
    const changes = last.changes.map((c, i) => ({ ...c, call: calls[last.madeBy[i]!]! }));
    return remember({ ...last, calls, changes });
  }
  const changes = new Changes();
  for (const { effect, call } of events) {
    switch (effect.op) {
      case 'add':
        if (call) for (const c of effect.changes) changes.add(changeOf(c, call));
        break;
      case 'rename-table':
        changes.renameTable(effect.from, effect.to, call);
        break;
      case 'rename-column':
        changes.renameColumn(effect.table, effect.from, effect.to, call);
        break;
      case 'rename-object':
        changes.renameObject(effect.kind, effect.from, effect.to);
        break;
      case 'drop':
        changes.drop(effect.kind, effect.name, effect.table);
        break;
      case 'none':
        break;
    }
  }
  const live = changes.live();
  const index = new Map<OpCall | undefined, number>(calls.map((c, i) => [c, i]));
  return remember({ origins, calls, changes: live, madeBy: live.map((c) => index.get(c.call)!), fold: {} });
}

/** One op call or SQL statement of an upgrade, where it is, and what it does. */
interface Event {
  origin: object;
  call?: OpCall;
  effect: Effect;
  at: Position;
}

function remember(run: Run): Change[] {
  lastRuns.set(run.origins[0], run);
  folds.set(run.changes, run.fold);
  return run.changes;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function effectFor(call: OpCall): Effect {
  let effect = effects.get(call);
  if (!effect) {
    effect = effectOf(call);
    effects.set(call, effect);
  }
  return effect;
}

/** A new Change from a call's cached description, which later renames must not reach. */
function changeOf(c: Omit<Change, 'call'>, call: OpCall): Change {
  const change: Change = { kind: c.kind, name: c.name, call };
  if (c.table !== undefined) change.table = c.table;
  if (c.from !== undefined) change.from = c.from;
  if (c.columns !== undefined) change.columns = c.columns;
  if (c.constraintType !== undefined) change.constraintType = c.constraintType;
  if (c.referent !== undefined) change.referent = c.referent;
  if (c.final) change.final = true;
  return change;
}

function effectOf(call: OpCall): Effect {
  const table = tableOf(call);
  switch (call.name) {
    case 'create_table':
      if (table === undefined) return NONE;
      return { op: 'add', changes: [{ kind: 'table', name: table }, ...enumTypes(call).map((name) => ({ kind: 'enum' as const, name }))] };
    case 'add_column': {
      const column = columnCall(call);
      const name = column && columnNameArg(column)?.value;
      return table !== undefined && typeof name === 'string' ? { op: 'add', changes: [{ kind: 'column', name, table }] } : NONE;
    }
    case 'create_index': {
      const name = nameOf(call, 'index_name');
      return name !== undefined ? { op: 'add', changes: [{ kind: 'index', name, ...(table !== undefined ? { table } : {}), ...columnsOf(call, 'columns'), ...finalOf(call, 'index_name') }] } : NONE;
    }
    case 'rename_table': {
      const from = nameOf(call, 'old_table_name');
      const to = nameOf(call, 'new_table_name');
      return from !== undefined && to !== undefined ? { op: 'rename-table', from, to } : NONE;
    }
    case 'alter_column': {
      const from = nameOf(call, 'column_name');
      const renamed = argOf(call, 'new_column_name');
      const to = typeof renamed?.value === 'string' ? renamed.value : undefined;
      return from !== undefined && to !== undefined && table !== undefined ? { op: 'rename-column', table, from, to } : NONE;
    }
    case 'drop_table':
      return { op: 'drop', kind: 'table', name: table, table: undefined };
    case 'drop_column':
      return { op: 'drop', kind: 'column', name: nameOf(call, 'column_name'), table };
    case 'drop_index':
      return { op: 'drop', kind: 'index', name: nameOf(call, 'index_name'), table: undefined };
    case 'drop_constraint':
      return { op: 'drop', kind: 'constraint', name: nameOf(call, 'constraint_name'), table: undefined };
    default: {
      const type = CONSTRAINT_TYPES[call.name];
      const name = type !== undefined ? nameOf(call, 'constraint_name') : undefined;
      if (type === undefined || name === undefined) return NONE;
      const columns = columnsOf(call, call.name === 'create_foreign_key' ? 'local_cols' : 'columns');
      const referent = call.name === 'create_foreign_key' ? nameOf(call, 'referent_table') : undefined;
      return {
        op: 'add',
        changes: [{ kind: 'constraint', name, ...(table !== undefined ? { table } : {}), ...columns, constraintType: type, ...(referent !== undefined ? { referent } : {}), ...finalOf(call, 'constraint_name') }],
      };
    }
  }
}

/** A change and when it was made; `dropped` once a later call took it back. */
interface Made {
  change: Change;
  order: number;
  dropped: boolean;
}

/**
 * The changes made so far, indexed by kind and name and by table (both lower-cased), so that
 * every call of a long upgrade costs about the same whatever came before it. The indexes may
 * hold changes that were dropped or renamed since; lookups skip those and compare names as
 * the Python side would (see `same`).
 *
 * It also remembers what the upgrade took away that existed before it ran (dropped, or renamed
 * away), so that creating it again is seen as no change, and drops whose name is unknown.
 */
class Changes {
  private readonly made: Made[] = [];
  private readonly byName = new Map<string, Made[]>();
  private readonly byTable = new Map<string, Made[]>();
  /** Objects that existed before the upgrade and are gone now, by `objectKey`. */
  private readonly removed = new Set<string>();
  /** Tables the upgrade dropped and created again: what is created on them is their old content. */
  private readonly recreated = new Set<string>();
  /** Drops whose name is not known, by kind family and table (undefined: any table). */
  private readonly unknownDrops: { family: string; table: string | undefined }[] = [];

  add(change: Change): void {
    if (change.table !== undefined && this.recreated.has(change.table.toLowerCase())) return;
    const key = objectKey(change.kind, change.name, change.table);
    if (this.removed.delete(key)) {
      if (change.kind === 'table') this.recreated.add(change.name.toLowerCase());
      return;
    }
    const family = familyOf(change.kind);
    if (this.unknownDrops.some((u) => u.family === family && (u.table === undefined || change.table === undefined || same(u.table, change.table)))) return;
    const existing = this.named(change.kind, change.name);
    // Two changes of one kind and name are one object unless both tables are known and differ.
    if (existing.some((m) => m.change.table === undefined || change.table === undefined || same(m.change.table, change.table))) return;
    const made: Made = { change, order: this.made.length, dropped: false };
    this.made.push(made);
    index(this.byName, nameKey(change.kind, change.name), made);
    if (change.table !== undefined) index(this.byTable, change.table.toLowerCase(), made);
  }

  /**
   * A table renamed by the upgrade: what the upgrade made on it moves along, and a table it
   * did not create is renamed away, so the rename is a change the downgrade must reverse (when
   * an op call made it; renames in SQL are not reported).
   */
  renameTable(from: string, to: string, call: OpCall | undefined): void {
    const on = this.ofTable(from);
    const created = on.some((m) => m.change.kind === 'table');
    for (const m of on) {
      if (m.change.kind === 'table') this.rename(m, to);
      else {
        m.change.table = to;
        index(this.byTable, to.toLowerCase(), m);
      }
    }
    if (created) return;
    this.removed.add(objectKey('table', from));
    if (call) this.add({ kind: 'table-rename', name: to, from, call });
  }

  /** A column renamed by the upgrade; a column it added itself only needs dropping under the new name. */
  renameColumn(table: string, from: string, to: string, call: OpCall | undefined): void {
    const added = this.named('column', from).find((m) => same(m.change.table, table) && same(m.change.name, from));
    if (added) {
      this.rename(added, to);
      return;
    }
    this.removed.add(objectKey('column', from, table));
    if (call) this.add({ kind: 'column-rename', name: to, from, table, call });
  }

  /** An index or constraint renamed in SQL: one the upgrade made is renamed, one it did not is gone. */
  renameObject(kind: 'index' | 'constraint', from: string, to: string): void {
    const made = this.family(kind, from);
    if (made.length > 0) for (const m of made) this.rename(m, to);
    else this.removed.add(objectKey(kind, from));
  }

  /** Drops of an unknown name take nothing back, but what is created after them may be a re-creation. */
  drop(kind: 'table' | 'column' | 'index' | 'constraint' | 'enum', name: string | undefined, table: string | undefined): void {
    if (name === undefined) {
      this.unknownDrops.push({ family: familyOf(kind), table });
      return;
    }
    if (kind === 'table') {
      const on = this.ofTable(name);
      for (const m of on) m.dropped = true;
      if (!on.some((m) => m.change.kind === 'table')) this.removed.add(objectKey('table', name));
      return;
    }
    const matched = kind === 'column' ? this.named(kind, name).filter((m) => same(m.change.table, table)) : this.family(kind, name);
    for (const m of matched) m.dropped = true;
    if (matched.length === 0) this.removed.add(objectKey(kind, name, table));
  }

  /** The changes still in place, in the order they were made. */
  live(): Change[] {
    return this.made.filter((m) => !m.dropped).map((m) => m.change);
  }

  /** Live changes of `kind` whose name is `name` lower-cased, in the order they were made. */
  private named(kind: ChangeKind, name: string): Made[] {
    return current(this.byName.get(nameKey(kind, name)), (m) => m.change.kind === kind && m.change.name.toLowerCase() === name.toLowerCase());
  }

  /** Live indexes and constraints named `name`: a unique constraint is an index of the same name. */
  private family(kind: 'index' | 'constraint' | 'enum', name: string): Made[] {
    if (kind === 'enum') return this.named('enum', name);
    return [...this.named('index', name), ...this.named('constraint', name)];
  }

  /** Live tables named `table` and live changes on it, in the order they were made. */
  private ofTable(table: string): Made[] {
    const tables = current(this.byName.get(nameKey('table', table)), (m) => m.change.kind === 'table' && same(m.change.name, table));
    const on = current(this.byTable.get(table.toLowerCase()), (m) => same(m.change.table, table));
    return tables.length === 0 ? on : [...tables, ...on].sort((a, b) => a.order - b.order);
  }

  private rename(m: Made, name: string): void {
    m.change.name = name;
    index(this.byName, nameKey(m.change.kind, name), m);
  }
}

/** Indexes and constraints share names (a unique constraint is an index), so they are one family. */
function familyOf(kind: ChangeKind | 'enum'): string {
  return kind === 'index' || kind === 'constraint' ? 'index' : kind;
}

/** An object's identity across kinds of one family: columns by table, the rest by name. */
function objectKey(kind: ChangeKind | 'enum', name: string, table?: string): string {
  const family = familyOf(kind);
  return family === 'column' ? `column\0${(table ?? '').toLowerCase()}.${name.toLowerCase()}` : `${family}\0${name.toLowerCase()}`;
}

function nameKey(kind: ChangeKind, name: string): string {
  return `${kind}\0${name.toLowerCase()}`;
}

function index(map: Map<string, Made[]>, key: string, made: Made): void {
  const list = map.get(key);
  if (!list) map.set(key, [made]);
  else if (!list.includes(made)) list.push(made);
}

/**
 * The live entries of an index list that still match, sorted by when they were made (a
 * renamed change joins its new list at the end).
 */
function current(list: Made[] | undefined, matches: (m: Made) => boolean): Made[] {
  if (!list) return [];
  const out = list.filter((m) => !m.dropped && matches(m));
  for (let i = 1; i < out.length; i++) {
    if (out[i - 1].order > out[i].order) return out.sort((a, b) => a.order - b.order);
  }
  return out;
}

/** `{ final: true }` when the name argument is `op.f(...)`, which no naming convention changes. */
function finalOf(call: OpCall, param: string): { final?: boolean } {
  const value = argOf(call, param)?.value;
  return isPyCall(value) && value.call.endsWith('.f') ? { final: true } : {};
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
