import type { Revision } from './revision';
import type { RevisionMap } from './revisionMap';

/**
 * Heads that nobody merged, grouped by fork: heads with the same branch labels that share an
 * ancestor. This is the grouping the `multiple-heads` rule reports, so that Merge Heads merges
 * exactly one of its forks; heads of separately labelled branches or of unrelated bases are
 * deliberate and never grouped. Each group is in load order, the order of Alembic's own heads
 * list and so of what `alembic merge heads` writes.
 */
export function unmergedForks(map: RevisionMap): string[][] {
  const heads = map.heads.flatMap((h) => {
    const r = map.revisions.get(h);
    return r ? [r] : [];
  });
  const below = new Map<Revision, Set<Revision>>();
  for (const h of heads) below.set(h, new Set(map.ancestors([h], false)));
  const groups: Revision[][] = [];
  const placed = new Set<Revision>();
  for (const h of heads) {
    if (placed.has(h)) continue;
    const group = [h];
    // Grown transitively: a head joins when it forks from any head already in the group.
    for (let i = 0; i < group.length; i++) {
      for (const o of heads) {
        if (placed.has(o) || group.includes(o)) continue;
        if (sameLabels(o, group[i]!) && shares(below.get(group[i]!)!, below.get(o)!)) group.push(o);
      }
    }
    if (group.length < 2) continue;
    for (const g of group) placed.add(g);
    groups.push(group.sort((a, b) => a.index - b.index));
  }
  return groups.map((g) => g.map((r) => r.revision));
}

function sameLabels(a: Revision, b: Revision): boolean {
  return a.branchLabels.size === b.branchLabels.size && [...a.branchLabels].every((l) => b.branchLabels.has(l));
}

function shares(a: Set<Revision>, b: Set<Revision>): boolean {
  for (const r of a) if (b.has(r)) return true;
  return false;
}
