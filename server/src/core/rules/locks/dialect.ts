import type { AlembicEnvironment } from '../../config';
import type { RevisionFile } from '../../parse/types';
import type { Range } from '../../types';

/**
 * Which code the lock rules look at: PostgreSQL's. This is a seam over the dialect detection
 * of the lint precision work (issue 8); until it is merged, the environment's dialect is the
 * scheme of a literal `sqlalchemy.url` (PostgreSQL when there is none), and no code counts as
 * guarded.
 */

/** True when the environment's migrations run on PostgreSQL. */
export function runsOnPostgres(env: AlembicEnvironment): boolean {
  const url = env.sqlalchemyUrl?.trim();
  if (!url || /[%$]\(|\$\{/.test(url)) return true;
  const scheme = /^([A-Za-z][\w]*)(?:\+[\w]+)?:/.exec(url);
  return !scheme || /^postgres(?:ql)?$/i.test(scheme[1]!);
}

/** True when the code at `range` runs only on a dialect other than PostgreSQL. */
export function underOtherDialect(_file: RevisionFile, _range: Range): boolean {
  return false;
}
