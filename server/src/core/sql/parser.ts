import type { SqlParser } from '../rules/types';
import { Utf8Offsets } from './utf8Offsets';

type LibPgQuery = typeof import('libpg-query');

export type SqlParseResult = ReturnType<SqlParser['parse']>;
export type SqlStatement = Extract<SqlParseResult, { statements: unknown }>['statements'][number];

let loading: Promise<SqlParser> | undefined;
let loadMs: number | undefined;

/**
 * Loads PostgreSQL's parser (libpg-query compiled to WASM) once. The module is imported lazily
 * because requiring it starts compiling the WASM, which must stay off the activation path;
 * every later call returns the same promise. A failed load is not cached, so a later call
 * can try again.
 */
export function loadSqlParser(): Promise<SqlParser> {
  if (!loading) {
    const started = performance.now();
    loading = import('libpg-query').then(
      async (lib) => {
        await lib.loadModule();
        loadMs = performance.now() - started;
        return createSqlParser(lib);
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
  }
  return loading;
}

/** Milliseconds the first `loadSqlParser()` took to import and instantiate the WASM; undefined until it is loaded. */
export function sqlParserLoadMs(): number | undefined {
  return loadMs;
}

function createSqlParser(lib: LibPgQuery): SqlParser {
  return {
    parse: (sql) => parseWith(lib, sql),
    parsePlpgsql: (body) => parsePlpgsqlWith(lib, body),
  };
}

function parseWith(lib: LibPgQuery, sql: string): SqlParseResult {
  // libpg-query refuses an empty string, where PostgreSQL itself accepts it as no statements.
  if (sql.trim() === '') return { statements: [] };
  const offsets = new Utf8Offsets(sql);
  let tree: ReturnType<LibPgQuery['parseSync']>;
  try {
    tree = lib.parseSync(sql);
  } catch (error) {
    const details = lib.hasSqlDetails(error) ? error.sqlDetails : undefined;
    const message = details?.message ?? (error instanceof Error ? error.message : String(error));
    return { error: { message, offset: offsets.codePointToUtf16(details?.cursorPosition ?? 0) } };
  }
  const statements: SqlStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    if (!raw.stmt) continue;
    const startByte = raw.stmt_location ?? 0;
    // A length of 0 (omitted in the JSON) means "to the end of the text".
    const start = offsets.toUtf16(startByte);
    const end = raw.stmt_len ? offsets.toUtf16(startByte + raw.stmt_len) : sql.length;
    statements.push({ stmt: raw.stmt as Record<string, unknown>, location: start, length: trimEnd(sql, start, end) - start });
  }
  return { statements };
}

/** The statement ends before the whitespace that PostgreSQL counts up to the semicolon. */
function trimEnd(sql: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(sql[e - 1])) e--;
  return e;
}

function parsePlpgsqlWith(lib: LibPgQuery, body: string): { function: Record<string, unknown> } | { error: { message: string } } {
  let tag = '$alembic_pilot$';
  for (let k = 0; body.includes(tag); k++) tag = `$alembic_pilot${k}$`;
  const wrapped = `CREATE FUNCTION alembic_pilot_do() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}`;
  try {
    const result: unknown = lib.parsePlPgSQLSync(wrapped);
    const fn = firstFunction(result);
    return fn ? { function: fn } : { error: { message: 'PL/pgSQL parser returned no function' } };
  } catch (error) {
    return { error: { message: error instanceof Error ? error.message : String(error) } };
  }
}

function firstFunction(result: unknown): Record<string, unknown> | undefined {
  if (!isRecord(result) || !Array.isArray(result.plpgsql_funcs)) return undefined;
  const first: unknown = result.plpgsql_funcs[0];
  return isRecord(first) && isRecord(first.PLpgSQL_function) ? first.PLpgSQL_function : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
