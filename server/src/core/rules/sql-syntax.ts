import { DEFAULT_DIALECT, dialectAt, runsOnPostgresql } from '../dialect';
import { analyzeSql } from '../sql/analyze';
import { sqlRange } from '../sql/edits';
import type { Rule } from './types';

/**
 * SQL in `op.execute(...)` and `connection.execute(...)` that PostgreSQL's own parser rejects,
 * so the migration fails when it reaches the statement. Only SQL that PostgreSQL runs is
 * parsed: not in an environment on another database, and not under a guard for another
 * dialect (see core/dialect). Parameters are read as the call passes them: SQLAlchemy's
 * `:name` in text() and op.execute strings, the driver's `%s` and `%(name)s` in a plain string
 * given to a connection. An error that a dynamic part (an f-string field, a %-formatted value)
 * could have caused is not reported.
 */
export const sqlSyntax: Rule = {
  id: 'sql-syntax',
  defaultSeverity: 'error',
  description: 'SQL that PostgreSQL cannot parse.',
  needsSql: true,
  check(ctx) {
    if (!ctx.sql) return;
    const env = ctx.targets.dialect ?? DEFAULT_DIALECT;
    for (const fn of ctx.file.functions) {
      for (const str of fn.sql) {
        if (!runsOnPostgresql(dialectAt(fn, str.callRange.start, env))) continue;
        const a = analyzeSql(ctx.sql, str);
        const s = a.source;
        for (const b of a.truncatedBinds) {
          const rest = /^[\w:]*/u.exec(s.text.slice(b.end))?.[0] ?? '';
          ctx.report({
            range: sqlRange(s, b.start, b.end + rest.length),
            message: `SQLAlchemy's text() reads \`${s.text.slice(b.start, b.end)}${rest}\` as the bind parameter \`:${b.name}\` followed by \`${rest}\`, so the statement is broken when it runs.`,
            help: `Write CAST(:${b.name}${s.text[b.end]} AS type), or escape the colons of the cast as \\:\\:.`,
          });
        }
        // A cut-short bind parameter is usually what the parser trips over next; reporting
        // both would describe one mistake twice.
        if (!a.error || a.truncatedBinds.length > 0) continue;
        const { start, end } = errorSpan(a.prepared, a.error.offset, a.error.message);
        ctx.report({
          range: sqlRange(s, start, end),
          message: `PostgreSQL rejects this SQL (${a.error.message}), so the migration fails here.`,
        });
      }
    }
  },
};

/** The token PostgreSQL names in `at or near "X"`, or one character; the last one at the end of input. */
function errorSpan(text: string, offset: number, message: string): { start: number; end: number } {
  if (offset >= text.length) {
    let last = text.length;
    while (last > 0 && /\s/.test(text[last - 1])) last--;
    return { start: Math.max(0, last - 1), end: Math.max(last, 1) };
  }
  const near = /at or near "(.*)"$/s.exec(message)?.[1];
  if (near && text.startsWith(near, offset)) return { start: offset, end: offset + near.length };
  return { start: offset, end: offset + 1 };
}
