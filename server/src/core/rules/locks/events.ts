import type { MigrationFunction, SqlString } from '../../parse/types';
import { analyzeSql } from '../../sql/analyze';
import { sqlRange } from '../../sql/edits';
import type { Range } from '../../types';
import type { LockSettings, RuleContext, SqlParser } from '../types';
import { runsOnPostgres, underOtherDialect } from './dialect';
import { opChanges } from './opChanges';
import { acceptedRevisions } from './startAfter';
import { sqlChanges } from './sqlChanges';
import type { LockEvent, LockSource } from './types';

/**
 * The changes each checked migration function makes, in order, with whether the table they
 * touch existed before the function ran. Every lock rule reads these; they are computed once
 * per function and lint.
 */

export const DEFAULT_LOCK_SETTINGS: LockSettings = { checkDowngrade: false, startAfter: [], lockTimeout: 'migration' };

export function lockSettings(ctx: RuleContext): LockSettings {
  return ctx.targets.locks ?? DEFAULT_LOCK_SETTINGS;
}

/**
 * The functions the lock rules check: upgrades (downgrades too with `check-downgrade`), of an
 * environment that runs on PostgreSQL, in a revision that is not at or below
 * `lock-rules-start-after`.
 */
export function checkedFunctions(ctx: RuleContext): MigrationFunction[] {
  const settings = lockSettings(ctx);
  if (!runsOnPostgres(ctx.targets)) return [];
  if (settings.startAfter.length > 0) {
    const id = ctx.project.entry(ctx.file.path)?.revision?.revision;
    if (id !== undefined && acceptedRevisions(ctx.project.script, settings.startAfter).has(id)) return [];
  }
  return ctx.file.functions.filter((fn) => fn.direction === 'upgrade' || settings.checkDowngrade);
}

/** The events of every checked function, each function's in order, leaving out code under a non-PostgreSQL dialect guard. */
export function* checkedEvents(ctx: RuleContext): Generator<{ fn: MigrationFunction; events: readonly LockEvent[] }> {
  for (const fn of checkedFunctions(ctx)) {
    const all = functionEvents(fn, ctx.sql);
    // Nearly every function has no dialect guard: its events are shared by the rules as they are.
    const events = fn.dialectGuards.length === 0 ? all : all.filter((e) => !underOtherDialect(fn, eventRange(e), ctx.targets));
    yield { fn, events };
  }
}

const folded = new WeakMap<MigrationFunction, { parser: SqlParser | undefined; events: readonly LockEvent[] }>();

/** The changes one function makes, in source order; the SQL ones only once PostgreSQL's parser is loaded. */
export function functionEvents(fn: MigrationFunction, parser: SqlParser | undefined): readonly LockEvent[] {
  const known = folded.get(fn);
  if (known && known.parser === parser) return known.events;
  const events = fold(fn, parser);
  folded.set(fn, { parser, events });
  return events;
}

function fold(fn: MigrationFunction, parser: SqlParser | undefined): LockEvent[] {
  const created = new Set<string>();
  const renamedTo = new Set<string>();
  const indexTables = new Map<string, string | undefined>();
  const events: LockEvent[] = [];
  let transaction = 0;
  let inBlock = false;
  let lastUnit: unknown;
  const push = (change: ReturnType<typeof opChanges>[number], source: LockSource): void => {
    // Entering or leaving an autocommit block ends a transaction, and inside one every call
    // is its own (the statements of one SQL string run as one implicit transaction).
    const autocommit = source.via === 'op' ? source.call.inAutocommitBlock : source.sql.source.inAutocommitBlock;
    const unit = source.via === 'op' ? source.call : source.sql.source;
    if (autocommit !== inBlock || (autocommit && unit !== lastUnit)) transaction++;
    inBlock = autocommit;
    lastUnit = unit;
    let table = change.table;
    if (change.kind === 'drop-index' && table === undefined && change.index !== undefined) table = indexTables.get(change.index.toLowerCase());
    const existing = table === undefined || !created.has(table);
    const renamedHere = table !== undefined && renamedTo.has(table);
    events.push({ ...change, table, source, existing, renamedHere, transaction });
    if (change.kind === 'end-transaction') transaction++;
    switch (change.kind) {
      case 'create-table':
        if (table !== undefined) created.add(table);
        break;
      case 'rename-table':
        if (table !== undefined && change.to !== undefined && created.delete(table)) created.add(change.to);
        if (change.to !== undefined) renamedTo.add(change.to);
        break;
      case 'drop-table':
        if (table !== undefined) created.delete(table);
        break;
      case 'create-index':
        if (change.index !== undefined) indexTables.set(change.index.toLowerCase(), table);
        break;
    }
  };
  const pushSql = (s: SqlString): void => {
    const analyzed = analyzeSql(parser!, s);
    let topLevel = 0;
    for (const st of analyzed.statements) if (!st.inDo) topLevel++;
    for (const st of analyzed.statements) {
      for (const change of sqlChanges(st)) push(change, { via: 'sql', sql: analyzed, statement: st, topLevel });
    }
  };
  // The op calls and the SQL strings, merged into source order (op.execute calls are their SQL).
  const strings = parser ? fn.sql : [];
  let j = 0;
  for (const call of fn.opCalls) {
    if (call.name === 'execute') continue;
    while (j < strings.length && before(strings[j]!.callRange, call.range)) pushSql(strings[j++]!);
    const changes = opChanges(call);
    if (changes.length === 0) continue;
    const source: LockSource = { via: 'op', call };
    for (const change of changes) push(change, source);
  }
  while (j < strings.length) pushSql(strings[j++]!);
  return events;
}

function before(a: Range, b: Range): boolean {
  return a.start.line < b.start.line || (a.start.line === b.start.line && a.start.character < b.start.character);
}

/**
 * For a `drop-column` or `rename-column` event: whether an earlier change of the function
 * added that column or named it by a rename, so no running application knows it. A name that
 * is not a literal is matched by its expression (`f"{col}_new"` added, then renamed).
 */
export function isNewColumn(events: readonly LockEvent[], i: number): boolean {
  const e = events[i]!;
  if (e.kind !== 'drop-column' && e.kind !== 'rename-column') return false;
  const name = e.column?.toLowerCase();
  const expression = e.columnExpression;
  if (name === undefined && expression === undefined) return false;
  for (let j = i - 1; j >= 0; j--) {
    const o = events[j]!;
    if (o.table !== e.table) continue;
    if (o.kind === 'add-column' && ((name !== undefined && o.column?.toLowerCase() === name) || (expression !== undefined && o.columnExpression === expression))) return true;
    if (o.kind === 'rename-column' && name !== undefined && o.to?.toLowerCase() === name) return true;
  }
  return false;
}

/** Where a finding about the event goes: the callee of an op call, or the SQL statement. */
export function eventRange(e: LockEvent): Range {
  const s = e.source;
  return s.via === 'op' ? s.call.calleeRange : sqlRange(s.sql.source, s.statement.start, s.statement.end);
}

/** `op.create_index`, `batch_op.add_column`, or the SQL statement's command (`ALTER TABLE`), for messages. */
export function describeSource(e: LockEvent): string {
  const s = e.source;
  if (s.via === 'op') return `\`${s.call.receiver === 'batch' ? 'batch_op' : 'op'}.${s.call.name}\``;
  const n = s.statement.node;
  if (s.statement.kind === 'DropStmt') return n.removeType === 'OBJECT_INDEX' ? '`DROP INDEX`' : '`DROP TABLE`';
  return `\`${SQL_COMMANDS[s.statement.kind] ?? s.statement.kind}\``;
}

const SQL_COMMANDS: Record<string, string> = {
  IndexStmt: 'CREATE INDEX',
  RenameStmt: 'ALTER TABLE ... RENAME',
  AlterTableStmt: 'ALTER TABLE',
  LockStmt: 'LOCK TABLE',
  CreateStmt: 'CREATE TABLE',
  CreateTableAsStmt: 'CREATE TABLE AS',
};

/**
 * Whether a later change in the same transaction puts a column of that name back on the table
 * (adds it, or renames another column to it): a swap, such as renaming `a` to `tmp_a` and
 * adding a new `a`, which the application version still running never sees half-done.
 */
export function columnRestoredLater(events: readonly LockEvent[], i: number, name: string | undefined, expression?: string): boolean {
  const e = events[i]!;
  if (name === undefined && expression === undefined) return false;
  const same = (n: string | undefined, x: string | undefined): boolean => (name !== undefined && n !== undefined ? n.toLowerCase() === name.toLowerCase() : expression !== undefined && x === expression);
  for (let j = i + 1; j < events.length; j++) {
    const o = events[j]!;
    if (o.transaction !== e.transaction || o.table !== e.table) continue;
    if (o.kind === 'add-column' && same(o.column, undefined)) return true;
    if (o.kind === 'rename-column' && same(o.to, o.toExpression)) return true;
  }
  return false;
}

/** The same for a table: a later change in the same transaction creates or renames another table to that name. */
export function tableRestoredLater(events: readonly LockEvent[], i: number, name: string | undefined): boolean {
  const e = events[i]!;
  if (name === undefined) return false;
  for (let j = i + 1; j < events.length; j++) {
    const o = events[j]!;
    if (o.transaction !== e.transaction) continue;
    if ((o.kind === 'create-table' || o.kind === 'create-view') && o.table === name) return true;
    if (o.kind === 'rename-table' && o.to === name) return true;
  }
  return false;
}
