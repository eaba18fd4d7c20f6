import { Ancestry } from './ancestry';
import { Revision, RevisionError, dedupe, illegalCharsIn } from './revision';

/**
 * The revision graph, built as Alembic's `RevisionMap._revision_map` builds it.
 *
 * This is a port of `alembic/script/revision.py` (Alembic 1.20, MIT licence), kept close to
 * the original so that it can be checked line by line. Where Alembic raises while loading
 * (duplicate label, unknown `down_revision`, cycle), the port records a `GraphProblem` and goes
 * on with the rest, because an editor must keep working on a broken history; the parity tests
 * only compare histories that Alembic itself can load.
 */

export type GraphProblemKind =
  | 'duplicate-revision'
  | 'unknown-down-revision'
  | 'unknown-dependency'
  | 'revision-cycle'
  | 'branch-label-conflict'
  | 'invalid-revision-id';

export interface GraphProblem {
  kind: GraphProblemKind;
  message: string;
  /** The revision the problem is reported on. */
  revision: string;
  /** The file the problem is reported in. */
  path: string;
  /** The declared value the problem is about (a parent id, a dependency, a label). */
  value?: string;
}

/** Identifiers that map to a revision: revision ids and branch labels, as Alembic's map_ holds. */
export type IdentMap = Map<string, Revision>;

export class RevisionMap {
  /** Revision ids and branch labels, in Alembic's insertion order. */
  readonly map: IdentMap = new Map();
  /** Revision ids only, in load order. */
  readonly revisions = new Map<string, Revision>();
  heads: string[] = [];
  realHeads: string[] = [];
  bases: string[] = [];
  realBases: string[] = [];
  readonly problems: GraphProblem[] = [];
  /** True when a cycle was found; traversals that need a DAG then refuse politely. */
  hasCycle = false;
  /** The revisions of the map, indexed by `Revision.index`. */
  private ordered: Revision[] = [];

  constructor(input: Iterable<Revision>) {
    this.build([...input]);
  }

  get(id: string): Revision | undefined {
    return this.map.get(id);
  }

  private report(p: GraphProblem): void {
    this.problems.push(p);
  }

  private build(loaded: Revision[]): void {
    for (const rev of loaded) rev.resetGraphState();
    const all: Revision[] = [];
    for (const rev of loaded) {
      if (this.rejectInvalid(rev)) continue;
      const earlier = this.revisions.get(rev.revision);
      if (earlier) {
        const message = `Revision ${rev.revision} is declared in more than one file: ${earlier.path} and ${rev.path}; Alembic keeps only the one it loads last.`;
        this.report({ kind: 'duplicate-revision', message, revision: rev.revision, path: earlier.path });
        this.report({ kind: 'duplicate-revision', message, revision: rev.revision, path: rev.path });
        // Alembic lets the later file replace the earlier one in its map; so do we.
        all.splice(all.indexOf(earlier), 1);
      }
      this.revisions.set(rev.revision, rev);
      this.map.set(rev.revision, rev);
      all.push(rev);
    }

    all.forEach((r, i) => (r.index = i));
    this.ordered = all;
    const heads = new Set<Revision>(all);
    const realHeads = new Set<Revision>(all);
    const bases = all.filter((r) => r.isBase);
    const realBases = all.filter((r) => r.isRealBase);
    const labelled = all.filter((r) => r.branchLabels.size > 0);
    const revMap = new Map(this.map);

    this.mapBranchLabels(labelled);
    this.addDependsOn(all);

    for (const rev of all) {
      for (const downrev of rev.allDownRevisions) {
        const down = this.map.get(downrev);
        if (!down) {
          // The dependency case was reported by addDependsOn, which already dropped it.
          this.report({
            kind: 'unknown-down-revision',
            message: `down_revision '${downrev}' of revision ${rev.revision} is not declared by any revision file; Alembic stops with "Revision ${downrev} referenced from ${rev.revision} is not present".`,
            revision: rev.revision,
            path: rev.path,
            value: downrev,
          });
          continue;
        }
        down.addNextrev(rev);
        if (rev.versionedDownRevisions.includes(downrev)) heads.delete(down);
        realHeads.delete(down);
      }
    }

    this.normalizeDependsOn(all);
    this.detectCycles(revMap, heads, bases, realHeads, realBases);

    this.heads = [...heads].map((r) => r.revision);
    this.realHeads = [...realHeads].map((r) => r.revision);
    this.bases = bases.map((r) => r.revision);
    this.realBases = realBases.map((r) => r.revision);
    this.addBranches(labelled);
  }

  private rejectInvalid(rev: Revision): boolean {
    const illegal = illegalCharsIn(rev.revision);
    if (illegal.length > 0) {
      this.report({
        kind: 'invalid-revision-id',
        message: `Character(s) '${illegal.join(', ')}' not allowed in revision identifier '${rev.revision}'.`,
        revision: rev.revision,
        path: rev.path,
      });
      return true;
    }
    if (rev.downRevision.includes(rev.revision)) {
      this.hasCycle = true;
      this.report({
        kind: 'revision-cycle',
        message: `Revision ${rev.revision} names itself as its down_revision (a self-loop).`,
        revision: rev.revision,
        path: rev.path,
        value: rev.revision,
      });
      return true;
    }
    if (rev.dependencies.includes(rev.revision)) {
      this.hasCycle = true;
      this.report({
        kind: 'revision-cycle',
        message: `Revision ${rev.revision} names itself in depends_on (a dependency self-loop).`,
        revision: rev.revision,
        path: rev.path,
        value: rev.revision,
      });
      return true;
    }
    return false;
  }

  private mapBranchLabels(revisions: Revision[]): void {
    for (const rev of revisions) {
      for (const label of rev.origBranchLabels) {
        const owner = this.map.get(label);
        if (owner) {
          const what = owner.revision === label ? 'is also a revision id' : `is already used by revision ${owner.revision}`;
          this.report({
            kind: 'branch-label-conflict',
            message: `Branch label '${label}' of revision ${rev.revision} ${what}; Alembic stops with "Branch name '${label}' in revision ${rev.revision} already used by revision ${owner.revision}".`,
            revision: rev.revision,
            path: rev.path,
            value: label,
          });
          continue;
        }
        this.map.set(label, rev);
      }
    }
  }

  private addDependsOn(revisions: Revision[]): void {
    for (const rev of revisions) {
      const resolved: string[] = [];
      for (const dep of rev.dependencies) {
        const target = this.map.get(dep);
        if (!target) {
          this.report({
            kind: 'unknown-dependency',
            message: `depends_on '${dep}' of revision ${rev.revision} is neither a revision id nor a branch label; Alembic stops with KeyError: '${dep}'.`,
            revision: rev.revision,
            path: rev.path,
            value: dep,
          });
          continue;
        }
        resolved.push(target.revision);
      }
      rev.resolvedDependencies = resolved;
    }
  }

  private normalizeDependsOn(revisions: Revision[]): void {
    for (const rev of revisions) {
      if (rev.resolvedDependencies.length === 0) {
        rev.normalizedResolvedDependencies = [];
        continue;
      }
      const normalized = new Set(rev.resolvedDependencies);
      for (const anc of this.visit([rev], (r) => r.versionedDownRevisions)) {
        if (anc === rev) continue;
        for (const d of anc.resolvedDependencies) normalized.delete(d);
      }
      rev.normalizedResolvedDependencies = [...normalized];
    }
  }

  private detectCycles(
    revMap: Map<string, Revision>,
    heads: Set<Revision>,
    bases: Revision[],
    realHeads: Set<Revision>,
    realBases: Revision[],
  ): void {
    if (revMap.size === 0) return;
    const ids = [...revMap.keys()];
    const cyclic = (members: string[], dependency: boolean): void => {
      this.hasCycle = true;
      const kind = dependency ? 'Dependency cycle' : 'Cycle';
      // Every member gets the same message, built once: a cycle through a whole history of ten
      // thousand revisions would otherwise cost ten thousand copies of a list of ten thousand ids.
      const message = `${kind} is detected in revisions (${listSome(members)}); Alembic refuses to load this history.`;
      for (const id of members) {
        const rev = revMap.get(id);
        if (!rev) continue;
        this.report({
          kind: 'revision-cycle',
          message,
          revision: id,
          path: rev.path,
        });
      }
    };
    // A revision whose parent is missing (already reported) roots its own part of the history;
    // without this, everything above it would look unreachable from a base, like a cycle.
    const missing = (ids: readonly string[]): boolean => {
      for (const id of ids) if (!this.map.has(id)) return true;
      return false;
    };
    const dangling = (withDependencies: boolean): Revision[] =>
      this.ordered.filter((r) => missing(r.downRevision) || (withDependencies && missing(r.dependencies)));
    const roots = [...bases, ...dangling(false)];
    if (heads.size === 0 || roots.length === 0) return cyclic(ids, false);
    let deleted = this.outside(this.visit(heads, (r) => r.versionedDownRevisions), this.visit(roots, (r) => r.nextrev));
    if (deleted.length > 0) return cyclic(deleted, false);
    const realRoots = [...realBases, ...dangling(true)];
    if (realHeads.size === 0 || realRoots.length === 0) return cyclic(ids, true);
    deleted = this.outside(this.visit(realHeads, (r) => r.allDownRevisions), this.visit(realRoots, (r) => r.allNextrev));
    if (deleted.length > 0) cyclic(deleted, true);
  }

  /** The sorted ids of the revisions that are not in both walks: the members of a cycle. */
  private outside(down: Revision[], up: Revision[]): string[] {
    const inBoth = new Uint8Array(this.ordered.length);
    for (const r of down) inBoth[r.index] = 1;
    for (const r of up) if (inBoth[r.index] === 1) inBoth[r.index] = 2;
    return this.ordered.filter((r) => inBoth[r.index] !== 2).map((r) => r.revision).sort();
  }

  private stamps = new Uint32Array(0);
  private stampGeneration = 0;

  /**
   * Every revision reachable from `starts` through `next`, the starts included, in no particular
   * order. It marks visits with a generation number in one shared array, because building the
   * map walks the whole history hundreds of times and a new Set per walk dominated its cost.
   */
  private visit(starts: Iterable<Revision>, next: (r: Revision) => Iterable<string>): Revision[] {
    if (this.stamps.length !== this.ordered.length) {
      this.stamps = new Uint32Array(this.ordered.length);
      this.stampGeneration = 0;
    }
    const gen = ++this.stampGeneration;
    const out: Revision[] = [];
    const stack = [...starts];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (this.stamps[r.index] === gen) continue;
      this.stamps[r.index] = gen;
      out.push(r);
      for (const id of next(r)) {
        const n = this.revisions.get(id);
        if (n && this.stamps[n.index] !== gen) stack.push(n);
      }
    }
    return out;
  }

  /**
   * Propagates branch labels as `RevisionMap._add_branches` does: to every descendant, then down
   * from the last descendant visited until a real branch point or a merge point.
   */
  private addBranches(revisions: Revision[]): void {
    for (const rev of revisions) {
      if (rev.branchLabels.size === 0) continue;
      const labels = [...rev.branchLabels];
      let node: Revision = rev;
      for (const d of this.descendants([rev], false)) {
        for (const l of labels) d.branchLabels.add(l);
        node = d;
      }
      let parent: Revision | undefined = node;
      while (parent && !parent.isRealBranchPoint && !parent.isMergePoint) {
        for (const l of labels) parent.branchLabels.add(l);
        if (parent.downRevision.length === 0) break;
        parent = this.map.get(parent.downRevision[0]!);
      }
    }
  }

  /** `_get_descendant_nodes`: the targets and everything above them. */
  descendants(targets: Iterable<Revision>, includeDependencies = true, check = false, omitImmediateDependencies = false): Revision[] {
    const targetSet = new Set(targets);
    let fn: (r: Revision) => Iterable<string>;
    if (omitImmediateDependencies) fn = (r) => (targetSet.has(r) ? r.nextrev : r.allNextrev);
    else if (includeDependencies) fn = (r) => r.allNextrev;
    else fn = (r) => r.nextrev;
    return iterateRelated(fn, targetSet, this.map, check);
  }

  private ancestryIndex: Ancestry | undefined;

  /** Ancestor queries along `normalizedDownRevisions`, built on first use. */
  get ancestry(): Ancestry {
    this.ancestryIndex ??= new Ancestry(this.ordered, this.parentIndexes());
    return this.ancestryIndex;
  }

  private parentIdx: number[][] | undefined;

  /** `normalizedDownRevisions` of every revision as indexes, resolved once. */
  private parentIndexes(): number[][] {
    this.parentIdx ??= this.ordered.map((r) =>
      r.normalizedDownRevisions.flatMap((id) => {
        const next = this.map.get(id);
        return next && next.revision === id ? [next.index] : [];
      }),
    );
    return this.parentIdx;
  }

  /** `_get_ancestor_nodes`: the targets and everything below them. */
  ancestors(targets: Iterable<Revision>, includeDependencies = true, check = false): Revision[] {
    const fn = includeDependencies ? (r: Revision) => r.normalizedDownRevisions : (r: Revision) => r.versionedDownRevisions;
    return iterateRelated(fn, targets, this.map, check);
  }
}

/**
 * `_iterate_related_revisions`: a depth-first walk with an explicit stack, yielding in the same
 * order as Alembic's. With `check`, it refuses targets of which one is reachable from another.
 */
export function iterateRelated(
  fn: (r: Revision) => Iterable<string>,
  targets: Iterable<Revision>,
  map: Map<string, Revision>,
  check = false,
): Revision[] {
  const targetList = [...targets];
  const seen = new Set<Revision>();
  const out: Revision[] = [];
  const todo: Revision[] = [];
  for (const target of targetList) {
    todo.push(target);
    const perTarget = new Set<Revision>();
    while (todo.length > 0) {
      const rev = todo.pop()!;
      if (check) perTarget.add(rev);
      if (seen.has(rev)) continue;
      seen.add(rev);
      for (const id of fn(rev)) {
        const next = map.get(id);
        // A dangling reference was reported when the map was built; skip it here.
        if (next && next.revision === id) todo.push(next);
      }
      out.push(rev);
    }
    if (check) {
      const overlaps = targetList.filter((t) => t !== target && perTarget.has(t));
      if (overlaps.length > 0) {
        throw new RevisionError(
          `Requested revision ${target.revision} overlaps with other requested revisions ${overlaps.map((r) => r.revision).join(', ')}`,
        );
      }
    }
  }
  return out;
}


export { dedupe };

/** How many members of a cycle a message names before it only counts the rest. */
const CYCLE_IDS_SHOWN = 20;

/** The ids, comma-separated as Alembic lists them, the tail of a long list replaced by a count. */
function listSome(ids: readonly string[]): string {
  if (ids.length <= CYCLE_IDS_SHOWN) return ids.join(', ');
  return `${ids.slice(0, CYCLE_IDS_SHOWN).join(', ')} and ${ids.length - CYCLE_IDS_SHOWN} more`;
}
