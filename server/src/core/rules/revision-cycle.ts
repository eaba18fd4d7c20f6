import type { Range } from '../types';
import { projectProblemsOf, rangeOrStart } from './graphProblems';
import type { Rule, RuleContext } from './types';

/**
 * A cycle through down_revision or depends_on: Alembic refuses to load the history. A self
 * loop is placed by the graph on the offending literal; a longer cycle names no single parent,
 * so each member is reported on the down_revision (or depends_on) literal that leads to
 * another member of the cycle.
 */
export const revisionCycle: Rule = {
  id: 'revision-cycle',
  defaultSeverity: 'error',
  description: 'The revisions form a cycle through down_revision or depends_on.',
  check(ctx) {
    for (const p of projectProblemsOf(ctx)) {
      if (p.code !== 'revision-cycle') continue;
      ctx.report({
        range: memberLiteral(ctx, p.range) ?? rangeOrStart(p.range),
        message: p.message,
        help: 'Break the cycle: one of these revisions must point down_revision (or depends_on) at an older revision.',
      });
    }
  },
};

function memberLiteral(ctx: RuleContext, placed: Range | undefined): Range | undefined {
  const { revision, downRevision, dependsOn } = ctx.file;
  const wholeStatement = [revision, downRevision, dependsOn].some((a) => a && placed && sameRange(a.range, placed));
  if (!wholeStatement) return undefined;
  const members = new Set<string>();
  for (const p of ctx.project.problems()) {
    if (p.code !== 'revision-cycle' || !p.file) continue;
    const id = ctx.project.entry(p.file)?.revision?.revision;
    if (id !== undefined) members.add(id);
  }
  const literals = [...(downRevision?.literals ?? []), ...(dependsOn?.literals ?? [])];
  return literals.find((l) => members.has(l.value))?.range ?? revision?.literals[0]?.range;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
