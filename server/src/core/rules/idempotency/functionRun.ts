import { DEFAULT_DIALECT, dialectAt, dialectTitle, runsOnPostgresql } from '../../dialect';
import type { MigrationFunction, OpCall, RevisionFile } from '../../parse/types';
import { analyzeSql, type AnalyzedSql, type AnalyzedStatement } from '../../sql/analyze';
import type { Position } from '../../types';
import type { RuleContext, SqlParser } from '../types';
import { opEffects, type OpEffect } from './opEffects';
import { secondRunFailures, type Effect, type Step } from './secondRun';
import { statementEffects, type SqlEffect } from './sqlEffects';

/**
 * One migration function as the idempotency rules see it: its op calls and raw SQL statements
 * in source order with what each creates and drops, and which of those fail on a second run.
 * non-idempotent-ddl and non-idempotent-op share one simulation per function, since an op call
 * may drop what a SQL statement then creates.
 */

export interface SqlStep extends Step {
  analyzed: AnalyzedSql;
  statement: AnalyzedStatement;
  effects: SqlEffect[];
  autocommit: boolean;
}

export interface OpStep extends Step {
  call: OpCall;
  effects: OpEffect[];
  autocommit: boolean;
}

export interface FunctionRun {
  sqlSteps: SqlStep[];
  opSteps: OpStep[];
  failures: ReadonlySet<Effect>;
}

const runs = new WeakMap<MigrationFunction, { key: string; parser: SqlParser | undefined; run: FunctionRun }>();

/**
 * The simulation of `fn`. Raw SQL counts only where PostgreSQL runs it (and while its parser is
 * loaded): SQL under a guard for another dialect is that dialect's, which PostgreSQL's parser
 * cannot judge.
 */
export function functionRun(ctx: RuleContext, fn: MigrationFunction): FunctionRun {
  const env = ctx.targets.dialect ?? DEFAULT_DIALECT;
  const key = `${ctx.targets.postgresVersion}\0${env.name}`;
  const cached = runs.get(fn);
  if (cached && cached.key === key && cached.parser === ctx.sql) return cached.run;
  const opSteps: OpStep[] = fn.opCalls.map((call) => ({ call, at: call.range.start, effects: underGuards(fn, call.range.start, opEffects(call)), autocommit: call.inAutocommitBlock }));
  const sqlSteps: SqlStep[] = [];
  if (ctx.sql) {
    for (const s of fn.sql) {
      const at = s.callRange.start;
      if (!runsOnPostgresql(dialectAt(fn, at, env))) continue;
      const analyzed = analyzeSql(ctx.sql, s);
      for (const statement of analyzed.statements) {
        let effects = statementEffects(statement, ctx.targets.postgresVersion, (e) => guardedByDo(statement, e));
        // Whatever a dynamic statement seems to lack may come from its dynamic part, so it is
        // never reported; what it drops or creates still counts (a DROP ... IF EXISTS does).
        if (statement.dynamic) effects = effects.map(({ missing: _, ...e }) => ({ ...e, silent: true }));
        sqlSteps.push({ analyzed, statement, effects: underGuards(fn, at, effects), at: s.positionAt(statement.start), autocommit: s.inAutocommitBlock });
      }
    }
  }
  const steps: Step[] = [...opSteps.filter((s) => s.effects.length > 0), ...sqlSteps].sort((a, b) => compare(a.at, b.at));
  const run: FunctionRun = { sqlSteps, opSteps, failures: secondRunFailures(steps) };
  runs.set(fn, { key, parser: ctx.sql, run });
  return run;
}

/**
 * The effects as they are at `at`: an effect on an object whose name an enclosing `if` tests
 * the catalog for (see parse/existenceGuards.ts) is guarded. Copies are made, since effects
 * are shared by every lint of the same call or statement.
 */
function underGuards<E extends Effect>(fn: MigrationFunction, at: Position, effects: E[]): E[] {
  if (fn.existenceGuards.length === 0 || effects.length === 0) return effects;
  const names = new Set(fn.existenceGuards.filter((g) => contains(g.range, at)).flatMap((g) => g.names));
  if (names.size === 0) return effects;
  return effects.map((e) => {
    const name = e.key?.slice(e.key.indexOf(':') + 1);
    const object = name?.slice(name.lastIndexOf('.') + 1);
    if (e.guarded || object === undefined || (!names.has(object) && !names.has(name!))) return e;
    const { missing: _m, guard: _g, ...rest } = e as E & { missing?: unknown; guard?: unknown };
    return { ...rest, guarded: true } as E;
  });
}

function contains(r: { start: Position; end: Position }, p: Position): boolean {
  return compare(r.start, p) <= 0 && compare(p, r.end) < 0;
}

function compare(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

function guardedByDo(st: AnalyzedStatement, e: SqlEffect): boolean {
  if (!st.inDo) return false;
  const caught = st.inDo.caught;
  if (st.inDo.catalogCheck || caught.has('others')) return true;
  if (e.missing?.raises?.some((c) => caught.has(c))) return true;
  const prefix = e.action === 'create' ? 'duplicate_' : 'undefined_';
  return [...caught].some((c) => c.startsWith(prefix));
}

/** Why a second run of some code can happen at all; undefined when it cannot (or is not to be reported). */
export type RerunReason =
  | { kind: 'everywhere' }
  | { kind: 'autocommit' }
  | { kind: 'no-transactional-ddl'; dialect: string | undefined; envPy?: { file: string; line: number } }
  | { kind: 'base' };

/**
 * With `idempotency = "auto"`, a failed migration on PostgreSQL rolls back, so it runs again
 * only for statements in an autocommit block, on a dialect without transactional DDL, or in a
 * base revision, which a team may run against a database that already has the schema.
 */
export function rerunReason(ctx: RuleContext, fn: MigrationFunction, at: Position, autocommit: boolean): RerunReason | undefined {
  const mode = ctx.targets.idempotency ?? 'auto';
  if (mode === 'off') return undefined;
  if (mode === 'everywhere') return { kind: 'everywhere' };
  if (autocommit) return { kind: 'autocommit' };
  const env = ctx.targets.dialect ?? DEFAULT_DIALECT;
  const d = dialectAt(fn, at, env);
  if (!d.transactionalDdl) return { kind: 'no-transactional-ddl', dialect: d.name, ...(env.transactionalDdlFrom && !env.transactionalDdl ? { envPy: env.transactionalDdlFrom } : {}) };
  if (fn.direction === 'upgrade' && isBase(ctx.file)) return { kind: 'base' };
  return undefined;
}

/** A revision whose down_revision is None (or empty): a base, such as a baseline of an existing schema. */
export function isBase(file: RevisionFile): boolean {
  const down = file.downRevision;
  return !!down && (down.isNone || down.ids?.length === 0);
}

/** Ends a "`X` fails when ..." clause with why that breaks a second run. */
export function consequence(reason: RerunReason): string {
  switch (reason.kind) {
    case 'everywhere':
      return ', so running this migration again breaks.';
    case 'autocommit':
      return ', and autocommit_block() commits it at once, so running this migration again after a later failure breaks.';
    case 'no-transactional-ddl':
      if (reason.envPy) return ', and env.py turns transactional DDL off, so running this migration again after a failure breaks.';
      return `, and ${reason.dialect ? dialectTitle(reason.dialect) : 'the database this code runs on'} does not roll DDL back when a migration fails, so running it again breaks.`;
    case 'base':
      return ', so this base revision breaks when it runs again or against a database that already has its schema.';
  }
}
