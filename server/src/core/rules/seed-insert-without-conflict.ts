import { DEFAULT_DIALECT, dialectAt, runsOnPostgresql } from '../dialect';
import { analyzeSql, rangeVarName } from '../sql/analyze';
import { sqlInsertion, sqlRange } from '../sql/edits';
import type { Position } from '../types';
import { functionRun } from './idempotency/functionRun';
import { objectKey } from './idempotency/secondRun';
import type { Rule } from './types';

/**
 * Seed data inserted with a plain INSERT fails on a unique key (or duplicates rows) when the
 * migration runs again. Off by default: many projects seed only once, on purpose. An INSERT
 * into a table the same function created just before without IF NOT EXISTS is left alone (a
 * second run fails on the table first), and so is SQL that PostgreSQL does not run, since ON
 * CONFLICT is its syntax.
 */
export const seedInsertWithoutConflict: Rule = {
  id: 'seed-insert-without-conflict',
  defaultSeverity: 'off',
  description: 'INSERT in a migration without ON CONFLICT (opt-in).',
  needsSql: true,
  check(ctx) {
    if (!ctx.sql) return;
    const env = ctx.targets.dialect ?? DEFAULT_DIALECT;
    for (const fn of ctx.file.functions) {
      if (fn.sql.length === 0) continue;
      // Where the function creates each table, to tell seed data from the filling of a new table.
      const created = new Map<string, Position>();
      const run = functionRun(ctx, fn);
      for (const step of [...run.opSteps, ...run.sqlSteps]) {
        for (const e of step.effects) {
          // A guarded create lets a second run through to the INSERT, so only an unguarded one counts.
          if (e.action === 'create' && !e.guarded && e.key?.startsWith('table:') && !created.has(e.key)) created.set(e.key, step.at);
        }
      }
      for (const s of fn.sql) {
        if (!runsOnPostgresql(dialectAt(fn, s.callRange.start, env))) continue;
        const a = analyzeSql(ctx.sql, s);
        for (const st of a.statements) {
          if (st.kind !== 'InsertStmt' || st.node.onConflictClause !== undefined || st.dynamic) continue;
          const text = a.prepared.slice(st.start, st.end);
          // INSERT ... SELECT ... WHERE NOT EXISTS (...) is the other common way to seed once.
          if (/\bNOT\s+EXISTS\b/i.test(text)) continue;
          if (st.inDo && (st.inDo.catalogCheck || st.inDo.caught.has('unique_violation') || st.inDo.caught.has('others'))) continue;
          const table = objectKey('table', rangeVarName(st.node.relation));
          const at = s.positionAt(st.start);
          const made = table && created.get(table);
          if (made && (made.line < at.line || (made.line === at.line && made.character < at.character))) continue;
          // ON CONFLICT goes before RETURNING, so only a statement without it gets the fix.
          const edit = st.node.returningList === undefined ? sqlInsertion(ctx.file, s, st.end, ' ON CONFLICT DO NOTHING') : undefined;
          ctx.report({
            range: sqlRange(s, st.start, st.end),
            message: 'This INSERT has no ON CONFLICT clause, so running the migration again fails on a unique key or inserts the rows twice.',
            help: 'Add ON CONFLICT DO NOTHING (or DO UPDATE), or insert with WHERE NOT EXISTS.',
            ...(edit ? { fixes: [{ title: 'Add ON CONFLICT DO NOTHING', edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true }] } : {}),
          });
        }
      }
    }
  },
};
