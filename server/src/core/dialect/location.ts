import type { MigrationFunction } from '../parse/types';
import type { Position } from '../types';
import { allows, hasTransactionalDdl, type DialectCondition } from './condition';
import type { EnvironmentDialect } from './environment';

/** The database a piece of migration code runs on. */
export interface CodeDialect {
  /**
   * SQLAlchemy's dialect name, or undefined when a guard only says the code does not run on
   * the environment's dialect (`if bind.dialect.name != "postgresql":` in a PostgreSQL project).
   */
  name: string | undefined;
  /** True when a dialect guard around the code decided `name`, rather than the environment. */
  guarded: boolean;
  /** Whether the code's DDL rolls back when the migration fails (see EnvironmentDialect). */
  transactionalDdl: boolean;
}

/**
 * The dialect the code at `at` in `fn` runs on: the environment's, unless a dialect guard
 * around it says the code runs only elsewhere. A guard that agrees with the environment
 * (`if dialect == "postgresql"` in a PostgreSQL project) changes nothing but `guarded`.
 */
export function dialectAt(fn: MigrationFunction, at: Position, env: EnvironmentDialect): CodeDialect {
  const condition = guardAt(fn, at);
  if (!condition) return { name: env.name, guarded: false, transactionalDdl: env.transactionalDdl };
  if (allows(condition, env.name)) return { name: env.name, guarded: true, transactionalDdl: env.transactionalDdl };
  const name = condition.oneOf?.length === 1 ? condition.oneOf[0] : undefined;
  // A literal transactional_ddl in env.py applies whatever the dialect.
  const transactionalDdl = env.transactionalDdlFrom ? env.transactionalDdl : name !== undefined && hasTransactionalDdl(name);
  return { name, guarded: true, transactionalDdl };
}

/** Whether code with this dialect is PostgreSQL's to run (and so PostgreSQL's parser's to judge). */
export function runsOnPostgresql(d: CodeDialect): boolean {
  return d.name === 'postgresql';
}

/** The condition of the innermost guard around `at`, if any. */
export function guardAt(fn: MigrationFunction, at: Position): DialectCondition | undefined {
  let found: DialectCondition | undefined;
  let start: Position | undefined;
  for (const g of fn.dialectGuards) {
    if (!contains(g.range, at)) continue;
    // Guards nest, so among those around `at` the innermost starts last; a later guard with
    // the same start (an early-return region inside a branch) is the inner one too.
    if (!start || !before(g.range.start, start)) {
      found = g.condition;
      start = g.range.start;
    }
  }
  return found;
}

function contains(r: { start: Position; end: Position }, p: Position): boolean {
  return !before(p, r.start) && before(p, r.end);
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}
