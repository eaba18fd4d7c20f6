import { analyzedSqlOf } from '../sql/analyze';
import { sqlInsertion, sqlRange } from '../sql/edits';
import type { Rule } from './types';

/**
 * Seed data inserted with a plain INSERT fails on a unique key (or duplicates rows) when the
 * migration runs again. Off by default: many projects seed only once, on purpose.
 */
export const seedInsertWithoutConflict: Rule = {
  id: 'seed-insert-without-conflict',
  defaultSeverity: 'off',
  description: 'INSERT in a migration without ON CONFLICT (opt-in).',
  needsSql: true,
  check(ctx) {
    for (const a of analyzedSqlOf(ctx.file, ctx.sql)) {
      const s = a.source;
      for (const st of a.statements) {
        if (st.kind !== 'InsertStmt' || st.node.onConflictClause !== undefined || st.dynamic) continue;
        const text = a.prepared.slice(st.start, st.end);
        // INSERT ... SELECT ... WHERE NOT EXISTS (...) is the other common way to seed once.
        if (/\bNOT\s+EXISTS\b/i.test(text)) continue;
        if (st.inDo && (st.inDo.catalogCheck || st.inDo.caught.has('unique_violation') || st.inDo.caught.has('others'))) continue;
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
  },
};
