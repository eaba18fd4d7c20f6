import type { Problem, Range } from '../types';
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
  const members = cycleMembers(ctx);
  const literals = [...(downRevision?.literals ?? []), ...(dependsOn?.literals ?? [])];
  return literals.find((l) => members.has(l.value))?.range ?? revision?.literals[0]?.range;
}

const membersByProblems = new WeakMap<readonly Problem[], Set<string>>();

/**
 * The ids of every revision in a cycle, collected once per graph: every member file asks, and
 * a cycle through a whole history of ten thousand files made collecting them per file quadratic.
 */
function cycleMembers(ctx: RuleContext): Set<string> {
  const all = ctx.project.problems();
  let members = membersByProblems.get(all);
  if (!members) {
    members = new Set();
    for (const p of all) {
      if (p.code !== 'revision-cycle' || !p.file) continue;
      const id = ctx.project.entry(p.file)?.revision?.revision;
      if (id !== undefined) members.add(id);
    }
    membersByProblems.set(all, members);
  }
  return members;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
