import type { MigrationFunction, OpCall, SqlString } from '../parse/types';
import { analyzeSql, type AnalyzedStatement } from '../sql/analyze';
import { sqlRange, wrapInAutocommitBlock } from '../sql/edits';
import { isRecord } from '../sql/parser';
import type { Position, Range } from '../types';
import type { Fix, Rule, RuleContext } from './types';

/**
 * CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY and REINDEX ... CONCURRENTLY refuse to run
 * inside a transaction block, and Alembic runs each migration in one. They have to sit in
 * `with op.get_context().autocommit_block():`, alone in their execute call: several statements
 * sent in one string run as one implicit transaction, and inside a DO block they fail always.
 *
 * Statements after an executed `COMMIT` (or `END`) in the same function are not reported:
 * projects that predate autocommit_block() end Alembic's transaction that way, and with
 * psycopg2, which does not notice, what follows runs outside any transaction.
 */
export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  defaultSeverity: 'error',
  description: 'CONCURRENTLY index operations inside the migration transaction.',
  needsSql: true,
  check(ctx) {
    if (!ctx.sql) return;
    for (const fn of ctx.file.functions) {
      const committed = firstCommit(ctx, fn);
      const after = (p: Position): boolean => committed !== undefined && (p.line > committed.line || (p.line === committed.line && p.character > committed.character));
      for (const call of fn.opCalls) if (!after(call.range.start)) checkOpCall(ctx, call);
      for (const s of fn.sql) {
        if (after(s.callRange.start)) continue;
        const a = analyzeSql(ctx.sql, s);
        const topLevel = a.statements.filter((st) => !st.inDo).length;
        for (const st of a.statements) {
          const what = concurrentOperation(st);
          if (what) checkStatement(ctx, a.source, st, what, topLevel);
        }
      }
    }
  },
};

/** Where the function first executes a COMMIT (or END) of its own, if it does. */
function firstCommit(ctx: RuleContext, fn: MigrationFunction): Position | undefined {
  for (const s of fn.sql) {
    if (!/\b(commit|end)\b/i.test(s.text)) continue;
    const a = analyzeSql(ctx.sql!, s);
    if (a.statements.some((st) => st.kind === 'TransactionStmt' && (st.node.kind === 'TRANS_STMT_COMMIT' || st.node.kind === 'TRANS_STMT_END'))) return s.callRange.start;
  }
  return undefined;
}

const HELP = 'Move it into `with op.get_context().autocommit_block():`, one statement per execute call.';

function checkStatement(ctx: RuleContext, s: SqlString, st: AnalyzedStatement, what: string, topLevel: number): void {
  const range = sqlRange(s, st.start, st.end);
  if (st.inDo) {
    ctx.report({ range, message: `${what} cannot run inside a DO block, so the migration fails here.`, help: HELP });
  } else if (topLevel > 1) {
    ctx.report({ range, message: `${what} is sent together with other statements, which PostgreSQL runs as one transaction, so it fails.`, help: HELP });
  } else if (!s.inAutocommitBlock) {
    const fix = wrapFix(ctx, s.callRange);
    ctx.report({ range, message: `${what} cannot run inside the transaction Alembic opens for the migration, so it fails.`, help: HELP, ...(fix ? { fixes: [fix] } : {}) });
  }
}

function checkOpCall(ctx: RuleContext, call: OpCall): void {
  if ((call.name !== 'create_index' && call.name !== 'drop_index') || call.inAutocommitBlock) return;
  const flag = call.args.find((a) => a.keyword === 'postgresql_concurrently');
  if (flag?.value !== true) return;
  const fix = wrapFix(ctx, call.range);
  ctx.report({
    range: flag.range,
    message: `op.${call.name}(..., postgresql_concurrently=True) cannot run inside the transaction Alembic opens for the migration, so it fails.`,
    help: 'Move the call into `with op.get_context().autocommit_block():`.',
    ...(fix ? { fixes: [fix] } : {}),
  });
}

function wrapFix(ctx: RuleContext, range: Range): Fix | undefined {
  const edit = wrapInAutocommitBlock(ctx.file, range);
  return edit ? { title: 'Run it in an autocommit block', edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true } : undefined;
}

function concurrentOperation(st: AnalyzedStatement): string | undefined {
  const n = st.node;
  if (st.kind === 'IndexStmt' && n.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (st.kind === 'DropStmt' && n.concurrent) return 'DROP INDEX CONCURRENTLY';
  if (st.kind === 'ReindexStmt' && Array.isArray(n.params)) {
    const concurrently = n.params.some((p) => isRecord(p) && isRecord(p.DefElem) && p.DefElem.defname === 'concurrently');
    if (concurrently) return 'REINDEX CONCURRENTLY';
  }
  return undefined;
}
