import type { Revision } from '../graph/revision';
import type { RevisionMap } from '../graph/revisionMap';
import type { ScriptDirectory } from '../graph/scriptDirectory';
import type { RevisionProject } from '../project/revisionProject';
import { renderMergeRevision } from '../template/revisionTemplate';
import type { Fix, Rule, RuleContext } from './types';

/**
 * Heads that fork from one lineage and carry the same branch labels: two people added a
 * revision on top of the same parent and nobody merged. `alembic upgrade head` then refuses
 * to run. Heads of separately labelled branches (or of unrelated bases) are deliberate, as
 * their users upgrade with `heads` or `label@head`, and are left alone.
 *
 * A branch label that cannot be read statically (`branch_labels = migration.EXPAND_BRANCH`, as
 * OpenStack's expand/contract branches write it) is a label nonetheless, and propagates along
 * its branch as Alembic propagates labels; two such labels are never taken to be equal, and a
 * head carrying one is not reported, since whether it is merged cannot be known.
 */

interface Fork {
  others: string[];
  /** The nearest revisions below every head of the fork. */
  ancestors: string[];
}

const forksOf = new WeakMap<ScriptDirectory, Map<string, Fork>>();
/** One merge per fork and graph, so every head of a fork offers the same new file. */
const mergesOf = new WeakMap<ScriptDirectory, Map<string, Fix | { reason: string }>>();

/** The message `alembic merge -m "merge heads"` gives, as Alembic's documentation suggests. */
const MERGE_MESSAGE = 'merge heads';

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
      forks = findForks(script.map, unresolvedLabels(script.map, ctx.project));
      forksOf.set(script, forks);
    }
    const fork = forks.get(id);
    if (!fork) return;
    const others = fork.others.join(', ');
    const below = fork.ancestors.length > 0 ? ` forked from ${fork.ancestors.join(', ')}` : '';
    const members = [rev, ...fork.others.flatMap((o) => script.map.revisions.get(o) ?? [])].sort((a, b) => a.index - b.index);
    const merge = mergeFix(ctx, script, members);
    const help = `Merge the heads with \`alembic merge -m "${MERGE_MESSAGE}" ${members.map((m) => m.revision).join(' ')}\`, or rebase one of them onto the other.`;
    ctx.report({
      range: literal.range,
      message: `Revision ${id} and ${others} are heads${below} that nobody merged, so \`alembic upgrade head\` stops with "Multiple head revisions are present".`,
      help: 'reason' in merge ? `${help} Alembic Pilot offers no quick fix here: ${merge.reason}; run \`alembic merge\` instead.` : help,
      ...('reason' in merge ? {} : { fixes: [merge] }),
    });
  },
};

/**
 * The quick fix that creates the merge revision. The heads are ordered by load order, which is
 * the order of Alembic's own heads list and so what `alembic merge heads` writes.
 */
function mergeFix(ctx: RuleContext, script: ScriptDirectory, members: readonly Revision[]): Fix | { reason: string } {
  let merges = mergesOf.get(script);
  if (!merges) {
    merges = new Map();
    mergesOf.set(script, merges);
  }
  const key = members.map((m) => m.revision).join(' ');
  let merge = merges.get(key);
  if (!merge) {
    const created = renderMergeRevision({ env: ctx.env, heads: members, message: MERGE_MESSAGE });
    merge = 'reason' in created ? created : { title: 'Create merge revision', edits: [], creates: [{ file: created.file, text: created.text }], isPreferred: true };
    merges.set(key, merge);
  }
  return merge;
}

/**
 * Revisions that carry a branch label which is not a literal, after propagation: to every
 * descendant of the revision that declares it, then down from the last descendant until a
 * branch point or a merge point, as `RevisionMap._add_branches` propagates labels.
 */
function unresolvedLabels(map: RevisionMap, project: RevisionProject): Set<Revision> {
  const carrying = new Set<Revision>();
  for (const rev of map.revisions.values()) {
    const labels = project.entry(rev.path)?.header.branchLabels;
    if (!labels || labels.ids !== undefined) continue;
    let node: Revision = rev;
    for (const d of map.descendants([rev], false)) {
      carrying.add(d);
      node = d;
    }
    let parent: Revision | undefined = node;
    while (parent && !parent.isRealBranchPoint && !parent.isMergePoint) {
      carrying.add(parent);
      if (parent.downRevision.length === 0) break;
      parent = map.revisions.get(parent.downRevision[0]!);
    }
  }
  return carrying;
}

/** Groups the heads by branch labels and shared ancestry; only groups of two or more fork. */
function findForks(map: RevisionMap, unresolved: ReadonlySet<Revision>): Map<string, Fork> {
  const heads = map.heads.flatMap((h) => {
    const r = map.revisions.get(h);
    return r && !unresolved.has(r) ? [r] : [];
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
