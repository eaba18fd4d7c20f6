import type { SqlParser } from '../rules/types';
import type { SqlLexResult } from './lexer';
import { isRecord } from './parser';

/** What protects a statement inside a DO block from failing when the migration runs twice. */
export interface DoGuard {
  /** Conditions caught by an enclosing `EXCEPTION WHEN ...` that does not re-raise. */
  caught: ReadonlySet<string>;
  /** The statement is under an `IF`/`ELSIF` whose condition queries the system catalogs. */
  catalogCheck: boolean;
}

export interface DoStatement {
  kind: string;
  node: Record<string, unknown>;
  start: number;
  end: number;
  inDo: DoGuard;
}

interface Collected {
  query: string;
  guard: DoGuard;
}

// A condition that reads pg_catalog (pg_type, pg_constraint, pg_class, ...) or the information
// schema is how migrations test "does this exist yet" before creating it.
const CATALOG = /\b(?:pg_catalog\.)?pg_[a-z_]+\b|\binformation_schema\.|\bto_regclass\s*\(|\bto_regtype\s*\(/i;

/**
 * The statements of a `DO $$ ... $$` block with their offsets in `sql`, found with PL/pgSQL's
 * own parser. Only a dollar-quoted plpgsql body is read: its text is verbatim in the SQL, so
 * offsets stay exact. Anything else (a single-quoted body, another language) yields nothing,
 * which rules treat as "cannot tell" rather than guessing.
 */
export function doBlockStatements(
  parser: SqlParser,
  sql: string,
  lex: SqlLexResult,
  stmtStart: number,
  stmtEnd: number,
  node: Record<string, unknown>,
): DoStatement[] {
  if (!parser.parsePlpgsql) return [];
  const options = Array.isArray(node.args) ? node.args : [];
  let body: string | undefined;
  for (const option of options) {
    const def = isRecord(option) && isRecord(option.DefElem) ? option.DefElem : undefined;
    const arg = def && isRecord(def.arg) && isRecord(def.arg.String) ? def.arg.String.sval : undefined;
    if (def?.defname === 'language' && typeof arg === 'string' && arg.toLowerCase() !== 'plpgsql') return [];
    if (def?.defname === 'as' && typeof arg === 'string') body = arg;
  }
  const region = lex.regions.find((r) => r.kind === 'dollar' && r.start >= stmtStart && r.start < stmtEnd);
  if (body === undefined || !region || region.bodyStart === undefined || sql.slice(region.bodyStart, region.bodyEnd) !== body) return [];
  const bodyStart = region.bodyStart;

  const tree = parser.parsePlpgsql(body);
  if (!('function' in tree)) return [];
  const collected: Collected[] = [];
  walk(tree.function.action, { caught: new Set(), catalogCheck: false }, collected);

  const statements: DoStatement[] = [];
  let cursor = 0;
  for (const c of collected) {
    const at = body.indexOf(c.query, cursor);
    if (at < 0) continue;
    cursor = at + c.query.length;
    const parsed = parser.parse(c.query);
    if (!('statements' in parsed)) continue;
    for (const s of parsed.statements) {
      const entry = Object.entries(s.stmt)[0];
      if (!entry || !isRecord(entry[1])) continue;
      const start = bodyStart + at + s.location;
      statements.push({ kind: entry[0], node: entry[1], start, end: start + s.length, inDo: c.guard });
    }
  }
  return statements;
}

function walk(value: unknown, guard: DoGuard, out: Collected[]): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, guard, out);
    return;
  }
  if (!isRecord(value)) return;
  const execsql = value.PLpgSQL_stmt_execsql;
  if (isRecord(execsql)) {
    const query = exprQuery(execsql.sqlstmt);
    if (query !== undefined) out.push({ query, guard });
    return;
  }
  const block = value.PLpgSQL_stmt_block;
  if (isRecord(block)) {
    const caught = new Set(guard.caught);
    const handlers = isRecord(block.exceptions) && isRecord(block.exceptions.PLpgSQL_exception_block) ? block.exceptions.PLpgSQL_exception_block.exc_list : undefined;
    for (const h of Array.isArray(handlers) ? handlers : []) {
      const exc = isRecord(h) && isRecord(h.PLpgSQL_exception) ? h.PLpgSQL_exception : undefined;
      if (!exc || reraises(exc.action)) continue;
      for (const c of Array.isArray(exc.conditions) ? exc.conditions : []) {
        const cond = isRecord(c) && isRecord(c.PLpgSQL_condition) ? c.PLpgSQL_condition.condname : undefined;
        if (typeof cond === 'string') caught.add(cond.toLowerCase());
      }
      walk(exc.action, guard, out);
    }
    walk(block.body, { ...guard, caught }, out);
    return;
  }
  const ifStmt = value.PLpgSQL_stmt_if;
  if (isRecord(ifStmt)) {
    const conditions = [exprQuery(ifStmt.cond)];
    for (const e of Array.isArray(ifStmt.elsif_list) ? ifStmt.elsif_list : []) {
      if (isRecord(e) && isRecord(e.PLpgSQL_if_elsif)) conditions.push(exprQuery(e.PLpgSQL_if_elsif.cond));
    }
    const inner = conditions.some((c) => c !== undefined && CATALOG.test(c)) ? { ...guard, catalogCheck: true } : guard;
    walk(ifStmt.then_body, inner, out);
    walk(ifStmt.elsif_list, inner, out);
    walk(ifStmt.else_body, inner, out);
    return;
  }
  for (const v of Object.values(value)) walk(v, guard, out);
}

function exprQuery(value: unknown): string | undefined {
  const expr = isRecord(value) && isRecord(value.PLpgSQL_expr) ? value.PLpgSQL_expr : undefined;
  return typeof expr?.query === 'string' ? expr.query : undefined;
}

/** A handler whose only statement is a bare `RAISE` passes the error on, so it guards nothing. */
function reraises(action: unknown): boolean {
  return Array.isArray(action) && action.length === 1 && isRecord(action[0]) && isRecord(action[0].PLpgSQL_stmt_raise) && action[0].PLpgSQL_stmt_raise.condname === undefined && action[0].PLpgSQL_stmt_raise.message === undefined;
}
