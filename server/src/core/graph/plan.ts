import { RangeNotAncestorError, Revision, RevisionError } from './revision';
import { type Ident, type RevOrBase, Resolver, isRevision } from './resolve';
import { iterateRelated } from './revisionMap';

/**
 * What `alembic upgrade X`, `alembic downgrade X` and `alembic history` would walk, in order.
 *
 * A port of the traversal half of Alembic 1.20's `RevisionMap` (`iterate_revisions`,
 * `_collect_upgrade_revisions`, `_collect_downgrade_revisions`, `_parse_*_target`,
 * `_topological_sort`) and of `ScriptDirectory._upgrade_revs`/`_downgrade_revs`/
 * `walk_revisions`, including the error messages that `_catch_revision_errors` produces.
 */

const RELATIVE = /^(?:(.+?)@)?([\p{L}\p{N}\p{Mn}\p{Pc}]+)?([+-]\p{Nd}+)/u;

interface IterateOptions {
  implicitBase?: boolean;
  inclusive?: boolean;
  assertRelativeLength?: boolean;
  selectForDowngrade?: boolean;
}

export class Planner extends Resolver {
  iterateRevisions(upper: Ident, lower: Ident, opts: IterateOptions = {}): Revision[] {
    if (this.rm.hasCycle) throw new RevisionError('The revision history has a cycle, so it has no order.');
    const collect = opts.selectForDowngrade ? this.collectDowngradeRevisions : this.collectUpgradeRevisions;
    const [revisions, heads] = collect.call(this, upper, lower, opts.inclusive ?? false, opts.implicitBase ?? false, opts.assertRelativeLength ?? true);
    return this.topologicalSort(revisions, heads).map((id) => this.getRevision(id)!);
  }

  private parseDowngradeTarget(currentRevisions: Ident, target: Ident, assertRelativeLength: boolean): [string | null, RevOrBase] {
    if (target === null) return [null, null];
    if (typeof target !== 'string') throw new RevisionError('Expected downgrade target in string form');
    const match = RELATIVE.exec(target);
    if (match) {
      let branchLabel = match[1] ?? null;
      let symbol = match[2] ?? null;
      const relative = match[3]!;
      const relInt = Number(relative);
      if (relInt >= 0) {
        if (symbol === null) throw new RevisionError(`Relative revision ${relative} didn't produce ${Math.abs(relInt)} migrations`);
        const rev = this.walk(symbol, relInt, branchLabel, assertRelativeLength);
        if (rev === null) throw new RevisionError('Walked too far');
        return [branchLabel, rev];
      }
      const relativeRevision = symbol === null;
      if (relativeRevision) {
        if (branchLabel) {
          const crTuple = toTuple(currentRevisions);
          let symbolList: (string | null)[] = this.filterForLineage(crTuple, branchLabel);
          if (symbolList.length === 0) {
            const allCurrent = [...this.getAllCurrent(crTuple)].filter((r): r is Revision => r instanceof Revision);
            symbolList = this.filterForLineage(allCurrent, branchLabel).map((r) => r.revision);
          }
          if (symbolList.length !== 1) throw new RevisionError(`Ambiguous downgrade of branch '${branchLabel}' from the current revisions`);
          symbol = symbolList[0]!;
        } else {
          const current = toTuple(currentRevisions);
          if (current.length === 0) throw new RevisionError(`Relative revision ${relative} didn't produce ${Math.abs(relInt)} migrations`);
          symbol = current[0]!;
          branchLabel = symbol;
        }
      }
      const start = branchLabel === null ? this.getRevision(symbol) : this.getRevision(`${branchLabel}@${symbol}`);
      const rev = this.walk(start, relInt, null, assertRelativeLength);
      if (rev === null) {
        if (relativeRevision) throw new RevisionError(`Relative revision ${relative} didn't produce ${Math.abs(relInt)} migrations`);
        throw new RevisionError('Walked too far');
      }
      return [branchLabel, rev];
    }
    const at = target.lastIndexOf('@');
    const branchLabel = at > 0 ? target.slice(0, at) : null;
    return [branchLabel, this.getRevision(target.slice(at + 1))];
  }

  private parseUpgradeTarget(currentRevisions: Ident, target: Ident, assertRelativeLength: boolean): RevOrBase[] {
    const match = typeof target === 'string' ? RELATIVE.exec(target) : null;
    if (!match) return this.getRevisions(target);
    let current: (string | null)[] = toTuple(currentRevisions);
    const branchLabel = match[1] ?? null;
    const symbol = match[2] ?? null;
    const relativeStr = match[3]!;
    const relative = Number(relativeStr);
    if (relative > 0) {
      if (symbol !== null) {
        return [this.walk(this.getRevision(symbol), relative, branchLabel, assertRelativeLength)];
      }
      if (current.length === 0) current = [null];
      let startRevs: (string | Revision | null)[] = current;
      if (branchLabel) {
        const currentRevs = this.getRevisions(current.filter((c): c is string => c !== null));
        startRevs = this.filterForLineage(currentRevs.map(isRevision), branchLabel);
        if (startRevs.length === 0) {
          const active = this.filterForLineage(this.rm.ancestors(currentRevs.map(isRevision)), branchLabel);
          const downs = new Set(active.flatMap((r) => r.normalizedDownRevisions));
          startRevs = [...new Set(active.map((r) => r.revision))].filter((id) => !downs.has(id));
          if (startRevs.length === 0) startRevs = [null];
        }
      }
      if (startRevs.length > 1) throw new RevisionError('Ambiguous upgrade from multiple current revisions');
      const rev = this.walk(startRevs[0]!, relative, branchLabel, assertRelativeLength);
      if (rev === null) throw new RevisionError(`Relative revision ${relativeStr} didn't produce ${Math.abs(relative)} migrations`);
      return [rev];
    }
    if (symbol === null) throw new RevisionError(`Relative revision ${relative} didn't produce ${Math.abs(relative)} migrations`);
    const start = branchLabel === null ? this.getRevision(symbol) : this.getRevision(`${branchLabel}@${symbol}`);
    return [this.walk(start, relative, null, assertRelativeLength)];
  }

  private collectDowngradeRevisions(
    upper: Ident,
    lower: Ident,
    inclusive: boolean,
    implicitBase: boolean,
    assertRelativeLength: boolean,
  ): [Set<Revision>, RevOrBase[]] {
    const [branchLabel, parsed] = this.parseDowngradeTarget(upper, lower, assertRelativeLength);
    const targetRevision = parsed === 'base' ? null : parsed;
    let roots: Revision[];
    if (targetRevision === null) roots = [...this.rm.revisions.values()].filter((r) => r.downRevision.length === 0);
    else if (inclusive) roots = [targetRevision];
    else roots = this.getRevisions([...targetRevision.nextrev]).map(isRevision);

    if (branchLabel && roots.length > 1) {
      const branch = this.resolveBranch(branchLabel);
      const ancestors = new Set(this.rm.ancestors(branch ? [branch] : [], false).map((r) => r.revision));
      roots = this.getRevisions(roots.map((r) => r.revision).filter((id) => ancestors.has(id))).map(isRevision);
      if (roots.length === 0) throw new RevisionError('Not a valid downgrade target from current heads');
    }

    const heads = this.getRevisions(upper);
    const headRevs = heads.filter((h): h is Revision => h instanceof Revision);
    const active = new Set(this.rm.ancestors(headRevs, true));
    const downgrade = new Set(this.rm.descendants(roots, true).filter((r) => active.has(r)));
    if (implicitBase) {
      const rootAncestors = new Set(this.rm.ancestors(roots));
      for (const r of active) if (!rootAncestors.has(r)) downgrade.add(r);
    }
    if (targetRevision !== null && downgrade.size === 0 && !heads.includes(targetRevision)) {
      throw new RangeNotAncestorError('Nothing to drop', upper);
    }
    return [downgrade, heads];
  }

  private collectUpgradeRevisions(
    upper: Ident,
    lower: Ident,
    inclusive: boolean,
    implicitBase: boolean,
    assertRelativeLength: boolean,
  ): [Set<Revision>, RevOrBase[]] {
    let targets: Revision[] = this.parseUpgradeTarget(lower, upper, assertRelativeLength).map(isRevision);
    if (typeof lower === 'string' && lower.includes('@')) {
      let branch = lower.slice(0, lower.indexOf('@'));
      const branchRev = this.getRevision(branch);
      if (branchRev !== null && branchRev.revision === branch) {
        if (branchRev.branchLabels.size !== 1) throw new RevisionError(`Revision ${branch} does not name exactly one branch`);
        branch = [...branchRev.branchLabels][0]!;
      }
      targets = [...new Set(targets.filter((t) => t.branchLabels.has(branch)))];
    }
    const required = new Set<Revision>([...this.ancestorsChecked(targets), ...targets]);
    let currentRevisions: RevOrBase[] = this.getRevisions(lower);
    if (!implicitBase && currentRevisions.some((r) => r !== null && !required.has(r as Revision))) {
      throw new RangeNotAncestorError(lower, upper);
    }
    if (currentRevisions.length > 0 && currentRevisions[0] === null) {
      const [, rev] = this.parseDowngradeTarget(upper, lower, assertRelativeLength);
      if (rev === 'base') {
        currentRevisions = [];
        lower = null;
      } else {
        const r = isRevision(rev);
        currentRevisions = [r];
        lower = r.revision;
      }
    }
    const currentRevs = currentRevisions.map(isRevision);
    const currentSet = new Set<Revision>([...this.ancestorsChecked(currentRevs), ...currentRevs]);
    const needs = new Set([...required].filter((r) => !currentSet.has(r)));
    if (inclusive) for (const r of this.getRevisions(lower)) needs.add(isRevision(r));
    if (currentRevs.length > 0 && !implicitBase) {
      const lowerDescendants = new Set(iterateRelated((r) => r.nextrev, currentRevs, this.rm.map, true));
      for (const r of [...needs]) if (!lowerDescendants.has(r)) needs.delete(r);
    }
    return [needs, targets];
  }

  private ancestorsChecked(targets: Revision[]): Revision[] {
    return iterateRelated((r) => r.normalizedDownRevisions, targets, this.rm.map, true);
  }

  /**
   * `_topological_sort`: children before parents, walking one head at a time. Alembic keeps an
   * ancestor set per head; a candidate still to be emitted is in that set exactly when it is an
   * ancestor of the head, so the sets are replaced by ancestry queries with the same answers.
   */
  topologicalSort(revisions: Iterable<Revision>, heads: readonly RevOrBase[]): string[] {
    const todo = new Set(revisions);
    const ancestry = this.rm.ancestry;
    const order = new Map([...this.rm.map.keys()].map((k, i) => [k, i] as const));
    const currentHeads = [...new Set(heads.filter((h): h is Revision => h instanceof Revision && todo.has(h)))].sort(
      (a, b) => order.get(a.revision)! - order.get(b.revision)!,
    );
    const output: string[] = [];
    let idx = 0;
    while (currentHeads.length > 0) {
      const candidate = currentHeads[idx]!;
      const blocker = currentHeads.findIndex((h, i) => i !== idx && ancestry.isAncestorOrSelf(candidate, h));
      if (blocker >= 0) {
        idx = blocker;
        continue;
      }
      if (todo.delete(candidate)) output.push(candidate.revision);
      const toAdd: Revision[] = [];
      for (const id of candidate.normalizedDownRevisions) {
        const r = this.rm.map.get(id);
        if (r && todo.has(r) && !currentHeads.includes(r)) toAdd.push(r);
      }
      if (toAdd.length === 0) {
        currentHeads.splice(idx, 1);
        idx = Math.max(idx - 1, 0);
      } else {
        currentHeads[idx] = toAdd[0]!;
        currentHeads.push(...toAdd.slice(1));
      }
    }
    if (todo.size > 0) throw new RevisionError(`Could not order revisions ${[...todo].map((r) => r.revision).join(', ')}`);
    return output;
  }
}

function toTuple(x: Ident): string[] {
  if (x === null) return [];
  return typeof x === 'string' ? [x] : [...x];
}
