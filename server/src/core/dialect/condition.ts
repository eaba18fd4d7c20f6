/**
 * What a guard in the code says about the database dialect: the dialect is one of some names,
 * or none of some names. Names are SQLAlchemy's lower-case dialect names (`postgresql`,
 * `mysql`, `mariadb`, `sqlite`, `oracle`, `mssql`).
 *
 * Conditions are plain data (arrays, not sets) so that parsed files stay JSON-serialisable.
 */
export interface DialectCondition {
  /** The dialect is one of these; undefined when the guard does not narrow it to a list. */
  oneOf?: string[];
  /** The dialect is none of these (empty when `oneOf` is given: it already says all). */
  noneOf: string[];
}

/** Both conditions hold (nested guards, `a and b`). */
export function bothHold(a: DialectCondition | undefined, b: DialectCondition | undefined): DialectCondition | undefined {
  if (!a) return b;
  if (!b) return a;
  const oneOf = a.oneOf && b.oneOf ? a.oneOf.filter((n) => b.oneOf!.includes(n)) : (a.oneOf ?? b.oneOf);
  const noneOf = [...new Set([...a.noneOf, ...b.noneOf])];
  return normalized(oneOf, noneOf);
}

/**
 * At least one of the conditions holds (`a or b`, or code reached through either of two
 * branches). Undefined, "nothing known", absorbs: `x or <unknown>` says nothing.
 */
export function eitherHolds(a: DialectCondition | undefined, b: DialectCondition | undefined): DialectCondition | undefined {
  if (!a || !b) return undefined;
  if (a.oneOf && b.oneOf) return normalized([...new Set([...a.oneOf, ...b.oneOf])], []);
  if (a.oneOf) return normalized(undefined, b.noneOf.filter((n) => !a.oneOf!.includes(n)));
  if (b.oneOf) return normalized(undefined, a.noneOf.filter((n) => !b.oneOf!.includes(n)));
  return normalized(undefined, a.noneOf.filter((n) => b.noneOf.includes(n)));
}

/** The condition that holds when `c` does not. */
export function negated(c: DialectCondition | undefined): DialectCondition | undefined {
  if (!c) return undefined;
  if (c.oneOf) return normalized(undefined, c.oneOf);
  return c.noneOf.length > 0 ? { oneOf: [...c.noneOf], noneOf: [] } : undefined;
}

/** Whether code under the condition runs on `dialect`. */
export function allows(c: DialectCondition | undefined, dialect: string): boolean {
  if (!c) return true;
  if (c.oneOf) return c.oneOf.includes(dialect);
  return !c.noneOf.includes(dialect);
}

function normalized(oneOf: string[] | undefined, noneOf: string[]): DialectCondition | undefined {
  if (oneOf) return { oneOf: oneOf.filter((n) => !noneOf.includes(n)).sort(), noneOf: [] };
  return noneOf.length > 0 ? { noneOf: [...noneOf].sort() } : undefined;
}

/**
 * SQLAlchemy's dialect name for a name as code or configuration spells it: lower case, a
 * `+driver` suffix dropped, and the old `postgres` alias read as `postgresql`. Undefined for a
 * name that is not a dialect SQLAlchemy ships (`driver` of Alembic's sample URL).
 */
export function canonicalDialect(name: string): string | undefined {
  const base = name.toLowerCase().split('+')[0]!.trim();
  if (base === 'postgres' || base === 'pgsql' || base === 'postgresql') return 'postgresql';
  return KNOWN_DIALECTS.includes(base) ? base : undefined;
}

/** The dialects SQLAlchemy 2.0 ships, which are the ones a guard or a setting may name. */
export const KNOWN_DIALECTS: readonly string[] = ['postgresql', 'mysql', 'mariadb', 'sqlite', 'oracle', 'mssql'];

/**
 * Whether a failed migration's DDL rolls back on this dialect, as Alembic's
 * `DefaultImpl.transactional_ddl` says for its implementation of the dialect: True for
 * PostgreSQL and SQL Server, False for MySQL, MariaDB, SQLite, Oracle and anything else.
 */
export function hasTransactionalDdl(dialect: string): boolean {
  return dialect === 'postgresql' || dialect === 'mssql';
}

/** "PostgreSQL", "MySQL": the dialect as people write it, for messages. */
export function dialectTitle(dialect: string): string {
  return TITLES[dialect] ?? dialect;
}

const TITLES: Record<string, string> = {
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  sqlite: 'SQLite',
  oracle: 'Oracle',
  mssql: 'SQL Server',
};
