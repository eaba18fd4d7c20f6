import type { Problem } from '../types';
import { projectProblemsOf, rangeOrStart } from './graphProblems';
import type { Rule } from './types';

/**
 * Problems that keep Alembic (or us) from reading the file: syntax errors found by the full
 * parser, unreadable bytes, and revision variables that are missing or not literals. The
 * project's problems come from the header scanner and from building the graph; the full
 * parser finds syntax errors anywhere in the file. Both can describe the same spot, so
 * duplicates are dropped.
 */
export const pythonSyntax: Rule = {
  id: 'python-syntax',
  defaultSeverity: 'error',
  description: 'The file cannot be fully read: a syntax error, an encoding problem, or a revision variable Alembic cannot use.',
  check(ctx) {
    const seen = new Set<string>();
    const all: Problem[] = [...ctx.file.problems, ...projectProblemsOf(ctx)];
    for (const p of all) {
      if (p.code !== 'python-syntax') continue;
      // A problem about the file as a whole (a missing variable) goes on the revision id,
      // where people look for what identifies the file, or else on its first line.
      const range = p.range ?? ctx.file.revision?.literals[0]?.range ?? rangeOrStart(undefined);
      const key = `${range.start.line}:${range.start.character}:${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({ range, message: p.message });
    }
  },
};
