import path from 'node:path';
import { projectProblemsOf, rangeOrStart } from './graphProblems';
import type { Rule } from './types';

/**
 * Two files declaring one revision id: Alembic keeps the file it loads last and silently
 * drops the other, whose migration then never runs. The graph finds the duplicates; this rule
 * says which file wins, with paths relative to the reported file rather than the graph's
 * absolute ones.
 */
export const duplicateRevision: Rule = {
  id: 'duplicate-revision',
  defaultSeverity: 'error',
  description: 'Two revision files declare the same revision id.',
  check(ctx) {
    const problem = projectProblemsOf(ctx).find((p) => p.code === 'duplicate-revision');
    const id = ctx.file.revision?.ids?.[0];
    if (!problem || id === undefined) return;
    const here = path.dirname(ctx.file.path);
    const others = ctx.project
      .entries()
      .filter((e) => e.revision?.revision === id && e.header.path !== ctx.file.path)
      .map((e) => path.relative(here, e.header.path));
    const kept = ctx.project.script.map.revisions.get(id)?.path === ctx.file.path;
    const fate = kept ? 'Alembic loads this file last and drops the other, so its migration never runs' : 'Alembic loads that file last and drops this one, so this migration never runs';
    ctx.report({
      range: ctx.file.revision?.literals[0]?.range ?? rangeOrStart(problem.range),
      message: `Revision ${id} is also declared in ${others.join(', ')}; ${fate}.`,
      help: 'Give one of the files a new revision id (and update the down_revision of its children), or delete the copy.',
    });
  },
};
