/**
 * Which database migration code runs on: the environment's dialect (setting, URL, env.py) and
 * the dialect guards around a piece of code. Rules that judge SQL or DDL ask here rather than
 * assuming PostgreSQL. Pure apart from `environmentDialect`, which reads env.py once.
 */
export { allows, canonicalDialect, dialectTitle, hasTransactionalDdl, KNOWN_DIALECTS, type DialectCondition } from './condition';
export { configuredTransactionalDdl, DEFAULT_DIALECT, dialectOfUrl, environmentDialect, type EnvironmentDialect } from './environment';
export { dialectAt, guardAt, runsOnPostgresql, type CodeDialect } from './location';
