import type { SqlString } from '../parse/types';
import type { AnalyzedSql, AnalyzedStatement } from '../sql/analyze';
import { sqlInsertion, sqlRange, wrapInDoBlock } from '../sql/edits';
import { consequence, functionRun, rerunReason } from './idempotency/functionRun';
import type { Missing } from './idempotency/sqlEffects';
import type { Fix, Rule, RuleContext } from './types';

/**
 * Raw DDL that fails when its migration function runs a second time, judged for the whole
 * function (see idempotency/secondRun.ts): `DROP CONSTRAINT x; ADD CONSTRAINT x`, an index
 * created right after it is dropped, a TEMPORARY table, or an object created and dropped in
 * the same function all re-run fine. Statements guarded by IF [NOT] EXISTS, OR REPLACE, or a
 * DO block that catches the duplicate or tests the catalog are fine too.
 *
 * Whether a second run can happen at all is the `idempotency` setting's: by default only for
 * statements in an autocommit block, on a database without transactional DDL, and in base
 * revisions. Only SQL that PostgreSQL runs is judged. The fixes add the missing keyword, or,
 * where PostgreSQL has none, wrap the statement in a DO block ignoring what it raises.
 */
export const nonIdempotentDdl: Rule = {
  id: 'non-idempotent-ddl',
  defaultSeverity: 'warning',
  description: 'Raw SQL DDL that fails when the migration runs a second time, where a second run can happen.',
  needsSql: true,
  check(ctx) {
    for (const fn of ctx.file.functions) {
      if (fn.sql.length === 0) continue;
      const run = functionRun(ctx, fn);
      for (const step of run.sqlSteps) {
        // One report per missing guard, even when it stands for several objects (DROP TABLE a, b).
        const failing = new Set<Missing>();
        for (const e of step.effects) if (e.missing && run.failures.has(e)) failing.add(e.missing);
        if (failing.size === 0) continue;
        const reason = rerunReason(ctx, fn, step.at, step.autocommit);
        if (!reason) continue;
        const missing = [...failing];
        // The DO block guards the whole statement, so it is offered only when all the statement
        // lacks is what the block ignores: an ADD COLUMN next to the ADD CONSTRAINT would raise
        // duplicate_column, and ignoring that too would skip the constraint whenever the column exists.
        const all = [...new Set(step.effects.flatMap((e) => (e.missing ? [e.missing] : [])))];
        const raises = all.every((m) => m.raises) ? [...new Set(all.flatMap((m) => m.raises ?? []))].sort() : [];
        const s = step.analyzed.source;
        for (const m of missing) {
          const fix = m.insert ? insertionFix(ctx, s, step.analyzed.prepared, step.statement, m.insert) : m.raises ? doBlockFix(ctx, step.analyzed, step.statement, raises) : undefined;
          ctx.report({ range: sqlRange(s, step.statement.start, step.statement.end), message: `${m.message}${consequence(reason)}`, help: m.help, ...(fix ? { fixes: [fix] } : {}) });
        }
      }
    }
  },
};

/** Wraps the statement in a DO block ignoring `raises`; never one already inside a DO block. */
function doBlockFix(ctx: RuleContext, sql: AnalyzedSql, st: AnalyzedStatement, raises: readonly string[]): Fix | undefined {
  if (st.inDo || raises.length === 0) return undefined;
  const edit = wrapInDoBlock(ctx.file, sql, st.start, st.end, raises);
  if (!edit) return undefined;
  const names = raises.length === 1 ? raises[0] : `${raises.slice(0, -1).join(', ')} and ${raises[raises.length - 1]}`;
  return { title: `Wrap in a DO block that ignores ${names}`, edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true };
}

function insertionFix(ctx: RuleContext, s: SqlString, prepared: string, st: AnalyzedStatement, insert: { after: RegExp; text: string }): Fix | undefined {
  const head = insert.after.exec(prepared.slice(st.start, st.end));
  if (!head) return undefined;
  const edit = sqlInsertion(ctx.file, s, st.start + head.index + head[0].length, insert.text);
  if (!edit) return undefined;
  return { title: `Insert ${insert.text.trim()}`, edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true };
}
