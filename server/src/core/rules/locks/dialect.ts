import { DEFAULT_DIALECT, dialectAt, runsOnPostgresql } from '../../dialect';
import type { MigrationFunction } from '../../parse/types';
import type { Range } from '../../types';
import type { LintTargets } from '../types';

/**
 * Which code the lock rules look at: PostgreSQL's, as core/dialect tells it. An environment
 * whose dialect is not PostgreSQL (the `dialect` setting, else `sqlalchemy.url`) is not
 * checked at all, and neither is code under a guard that runs it only on another dialect.
 */

/** True when the environment's migrations run on PostgreSQL. */
export function runsOnPostgres(targets: LintTargets): boolean {
  return (targets.dialect ?? DEFAULT_DIALECT).name === 'postgresql';
}

/** True when the code at `range` of `fn` runs only on a dialect other than PostgreSQL. */
export function underOtherDialect(fn: MigrationFunction, range: Range, targets: LintTargets): boolean {
  return !runsOnPostgresql(dialectAt(fn, range.start, targets.dialect ?? DEFAULT_DIALECT));
}
