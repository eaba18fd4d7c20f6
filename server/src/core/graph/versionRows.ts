import type { Revision } from './revision';
import type { RevisionMap } from './revisionMap';

/**
 * The rows of the version table after Alembic ran `steps`, starting from `current`: a port of
 * the set arithmetic of Alembic 1.20's `HeadMaintainer.update_to_step` for revision steps
 * (runtime/migration.py). Only the resulting set is computed, not which rows were inserted,
 * updated or deleted, so the answer does not depend on Python's set order.
 */
export function rowsAfter(map: RevisionMap, current: readonly string[], steps: readonly Revision[], direction: 'upgrade' | 'downgrade'): string[] {
  const heads = new Set(current);
  for (const rev of steps) {
    const down = rev.normalizedDownRevisions;
    if (direction === 'upgrade') {
      for (const d of down) heads.delete(d);
      heads.add(rev.revision);
    } else {
      if (!heads.has(rev.revision)) continue;
      const others = [...heads].filter((h) => h !== rev.revision);
      heads.delete(rev.revision);
      for (const id of unmergeTo(map, rev, others)) heads.add(id);
    }
  }
  return [...heads].sort();
}

/**
 * `RevisionStep._unmerge_to_revisions`: the down revisions that become rows when `rev` is
 * downgraded, leaving out those still implied by the other rows (or, with no other rows, by
 * each other).
 */
function unmergeTo(map: RevisionMap, rev: Revision, others: readonly string[]): string[] {
  const to = [...rev.normalizedDownRevisions];
  const lookup = (ids: readonly string[]): Revision[] => ids.flatMap((id) => map.revisions.get(id) ?? []);
  if (others.length > 0) {
    const implied = new Set(map.ancestors(lookup(others)).map((r) => r.revision));
    return to.filter((id) => !implied.has(id));
  }
  const implied = new Set<string>();
  for (const id of to) {
    for (const r of map.ancestors(lookup([id]))) if (r.revision !== id) implied.add(r.revision);
  }
  return to.filter((id) => !implied.has(id));
}
