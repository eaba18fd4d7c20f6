/**
 * SQL as PostgreSQL reads it: the libpg-query parser (WASM, loaded once and lazily), offsets in
 * UTF-16, SQLAlchemy's bind parameters, and the statements of migration SQL strings.
 */
export { loadSqlParser, sqlParserLoadMs } from './parser';
export type { SqlParseResult, SqlStatement } from './parser';
export { analyzeSql, qualifiedName, rangeVarName } from './analyze';
export type { AnalyzedSql, AnalyzedStatement } from './analyze';
export type { DoGuard } from './doBlocks';
export { lexSql, replaceBinds } from './lexer';
export type { BindParameter, SqlLexResult, SqlRegion } from './lexer';
export { Utf8Offsets } from './utf8Offsets';
