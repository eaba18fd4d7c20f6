import type { Revision } from '../graph/revision';
import type { RevisionMap } from '../graph/revisionMap';
import type { ScriptDirectory } from '../graph/scriptDirectory';
import type { Rule } from './types';

/**
 * Heads that fork from one lineage and carry the same branch labels: two people added a
 * revision on top of the same parent and nobody merged. `alembic upgrade head` then refuses
 * to run. Heads of separately labelled branches (or of unrelated bases) are deliberate, as
 * their users upgrade with `heads` or `label@head`, and are left alone.
 */

interface Fork {
  others: string[];
  /** The nearest revisions below every head of the fork. */
  ancestors: string[];
}

const forksOf = new WeakMap<ScriptDirectory, Map<string, Fork>>();

export const multipleHeads: Rule = {
  id: 'multiple-heads',
  defaultSeverity: 'warning',
  description: 'Two heads of the same branch that nobody merged.',
  check(ctx) {
    const id = ctx.file.revision?.ids?.[0];
    const literal = ctx.file.revision?.literals[0];
    if (id === undefined || literal === undefined) return;
    const script = ctx.project.script;
    const rev = script.map.revisions.get(id);
    if (!rev || rev.path !== ctx.file.path || !rev.isHead) return;
    let forks = forksOf.get(script);
    if (!forks) {
      forks = findForks(script.map);
      forksOf.set(script, forks);
    }
    const fork = forks.get(id);
    if (!fork) return;
    const others = fork.others.join(', ');
    const below = fork.ancestors.length > 0 ? ` forked from ${fork.ancestors.join(', ')}` : '';
    ctx.report({
      range: literal.range,
      message: `Revision ${id} and ${others} are heads${below} that nobody merged, so \`alembic upgrade head\` stops with "Multiple head revisions are present".`,
      help: `Merge the heads with \`alembic merge -m "merge heads" ${[id, ...fork.others].join(' ')}\`, or rebase one of them onto the other.`,
    });
  },
};

/** Groups the heads by branch labels and shared ancestry; only groups of two or more fork. */
function findForks(map: RevisionMap): Map<string, Fork> {
  const heads = map.heads.flatMap((h) => {
    const r = map.revisions.get(h);
    return r ? [r] : [];
  });
  const below = new Map<Revision, Set<Revision>>();
  for (const h of heads) below.set(h, new Set(map.ancestors([h], false)));
  const out = new Map<string, Fork>();
  for (const h of heads) {
    const mine = below.get(h)!;
    const twins = heads.filter((o) => o !== h && sameLabels(o, h) && shares(mine, below.get(o)!));
    if (twins.length === 0) continue;
    const common = new Set([...mine].filter((r) => r !== h && twins.every((t) => below.get(t)!.has(r))));
    // The nearest common ancestors are those with no child that is itself common.
    const nearest = [...common].filter((r) => ![...r.nextrev].some((c) => common.has(map.revisions.get(c)!)));
    out.set(h.revision, { others: twins.map((t) => t.revision), ancestors: nearest.map((r) => r.revision) });
  }
  return out;
}

function sameLabels(a: Revision, b: Revision): boolean {
  return a.branchLabels.size === b.branchLabels.size && [...a.branchLabels].every((l) => b.branchLabels.has(l));
}

function shares(a: Set<Revision>, b: Set<Revision>): boolean {
  for (const r of a) if (b.has(r)) return true;
  return false;
}
