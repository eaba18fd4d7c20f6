import { MultipleHeads, ResolutionError, Revision, RevisionError } from './revision';
import type { RevisionMap } from './revisionMap';

/**
 * Revision specifiers as the alembic CLI reads them: full and partial ids, `head`, `heads`,
 * `base`, `label@head`, `label@base`, `+N`, `-N`, `rev+N`, `label@+N`.
 *
 * A port of the lookup half of Alembic 1.20's `RevisionMap` (`get_revisions`, `get_revision`,
 * `_resolve_revision_number`, `_revision_for_ident`, `filter_for_lineage`, `_walk`), with the
 * same error messages. `null` stands for Python's `None`/`()`, and `'base'` for the string
 * `"base"` that `_walk` returns when it walks below the first revision.
 */

export type Ident = string | readonly string[] | null;
export type RevOrBase = Revision | 'base' | null;

export class Resolver {
  constructor(readonly rm: RevisionMap) {}

  /** `_resolve_revision_number`: the ids a specifier names, and the branch label it carries. */
  resolveRevisionNumber(id: Ident): [string[], string | null] {
    let branchLabel: string | null = null;
    if (typeof id === 'string' && id.includes('@')) {
      const at = id.indexOf('@');
      branchLabel = id.slice(0, at);
      id = id.slice(at + 1);
    }
    if (id === 'heads') {
      if (branchLabel) return [this.filterForLineage(this.rm.heads, branchLabel), branchLabel];
      return [[...this.rm.realHeads], branchLabel];
    }
    if (id === 'head') {
      const current = this.getCurrentHead(branchLabel);
      return [current ? [current] : [], branchLabel];
    }
    if (id === 'base' || id === null) return [[], branchLabel];
    return [typeof id === 'string' ? [id] : [...id], branchLabel];
  }

  getCurrentHead(branchLabel: string | null = null): string | null {
    let current: string[] = this.rm.heads;
    if (branchLabel) current = this.filterForLineage(current, branchLabel);
    if (current.length > 1) throw new MultipleHeads(current, branchLabel ? `${branchLabel}@head` : 'head');
    return current[0] ?? null;
  }

  /** `get_revisions`: one specifier or a list of them, each possibly naming several revisions. */
  getRevisions(id: Ident | Iterable<string>): RevOrBase[] {
    if (id !== null && typeof id !== 'string') {
      return [...id].flatMap((elem) => this.getRevisions(elem));
    }
    const [resolved, branchLabel] = this.resolveRevisionNumber(id);
    if (resolved.length === 1) {
      const rint = pythonInt(resolved[0]!);
      if (rint !== undefined && rint < 0) {
        let selectHeads = this.getRevisions('heads');
        if (branchLabel !== null) {
          selectHeads = selectHeads.filter((h) => h instanceof Revision && h.branchLabels.has(branchLabel));
        }
        return selectHeads.map((h) => this.walk(h, rint));
      }
    }
    return resolved.map((r) => this.revisionForIdent(r, branchLabel));
  }

  /** `get_revision`: exactly one revision (or none for `base`). */
  getRevision(id: string | null): Revision | null {
    const [resolved, branchLabel] = this.resolveRevisionNumber(id);
    if (resolved.length > 1) throw new MultipleHeads(resolved, id);
    return this.revisionForIdent(resolved[0] ?? null, branchLabel);
  }

  resolveBranch(branchLabel: string): Revision | null {
    const rev = this.rm.map.get(branchLabel);
    if (rev) return rev;
    try {
      return this.revisionForIdent(branchLabel);
    } catch (e) {
      if (e instanceof ResolutionError) throw new ResolutionError(`No such branch: '${branchLabel}'`, branchLabel);
      throw e;
    }
  }

  revisionForIdent(resolvedId: string | null, checkBranch: string | null = null): Revision | null {
    const branchRev = checkBranch ? this.resolveBranch(checkBranch) : null;
    if (resolvedId === null) return null;
    let revision = this.rm.map.get(resolvedId);
    if (!revision) {
      let revs = [...this.rm.map.keys()].filter((x) => x.length > 3 && x.startsWith(resolvedId));
      if (branchRev) revs = this.filterForLineage(revs, checkBranch);
      if (revs.length === 0) {
        const hint =
          resolvedId.length < 4 ? '; please ensure at least four characters are present for partial revision identifier matches' : '';
        throw new ResolutionError(`No such revision or branch '${resolvedId}'${hint}`, resolvedId);
      }
      if (revs.length > 1) {
        const shown = revs
          .slice(0, 3)
          .map((r) => `'${r}'`)
          .join(', ');
        throw new ResolutionError(`Multiple revisions start with '${resolvedId}': ${shown}...`, resolvedId);
      }
      revision = this.rm.map.get(revs[0]!)!;
    }
    if (checkBranch && branchRev && !this.sharesLineage(revision, [branchRev])) {
      throw new ResolutionError(`Revision ${revision.revision} is not a member of branch '${checkBranch}'`, resolvedId);
    }
    return revision;
  }

  filterForLineage<T extends string | Revision | null>(targets: Iterable<T>, checkAgainst: string | null, includeDependencies = false): T[] {
    const [ids, branchLabel] = this.resolveRevisionNumber(checkAgainst);
    const shares: string[] = [];
    if (branchLabel) shares.push(branchLabel);
    shares.push(...ids);
    return [...targets].filter((t) => this.sharesLineage(t, shares, includeDependencies));
  }

  sharesLineage(target: string | Revision | null, against: readonly (string | Revision)[], includeDependencies = false): boolean {
    if (against.length === 0) return true;
    const resolvedTarget = target instanceof Revision ? target : this.revisionForIdent(target);
    if (!resolvedTarget) throw new RevisionError('Cannot test the lineage of base');
    const resolvedAgainst = new Set(against.map((a) => (a instanceof Revision ? a : this.revisionForIdent(a))));
    for (const r of this.rm.descendants([resolvedTarget], includeDependencies)) if (resolvedAgainst.has(r)) return true;
    for (const r of this.rm.ancestors([resolvedTarget], includeDependencies)) if (resolvedAgainst.has(r)) return true;
    return false;
  }

  /** `_walk`: `steps` up (positive) or down (negative) from `start`; null when it walks too far. */
  walk(start: string | Revision | null, steps: number, branchLabel: string | null = null, noOverwalk = true): RevOrBase {
    let initial: RevOrBase = typeof start === 'string' ? this.getRevision(start) : start;
    for (let i = 0; i < Math.abs(steps); i++) {
      let children: RevOrBase[];
      if (steps > 0) {
        if (initial === 'base') throw new RevisionError('Cannot walk up from base');
        const walkUp = this.getRevisions(initial === null ? this.rm.bases : [...initial.nextrev]).map(isRevision);
        children = branchLabel ? this.filterForLineage(walkUp, branchLabel) : walkUp;
      } else if (initial === 'base') {
        children = [];
      } else {
        children = this.getRevisions(initial === null ? this.rm.heads : initial.downRevision);
        if (children.length === 0) children = ['base'];
      }
      if (children.length === 0) return noOverwalk ? null : initial;
      if (children.length > 1) throw new RevisionError('Ambiguous walk');
      initial = children[0]!;
    }
    return initial;
  }

  /** `_get_all_current`: the branch heads among the given revisions and their ancestors. */
  getAllCurrent(ids: readonly string[]): Set<RevOrBase> {
    const top = new Set<RevOrBase>(this.getRevisions(ids));
    const revs = [...top].filter((r): r is Revision => r instanceof Revision);
    for (const r of this.rm.ancestors(revs, true)) top.add(r);
    return this.filterIntoBranchHeads(top);
  }

  private filterIntoBranchHeads(targets: Set<RevOrBase>): Set<RevOrBase> {
    const out = new Set(targets);
    for (const rev of [...out]) {
      const r = isRevision(rev);
      const desc = this.rm.descendants([r], false);
      if (desc.some((d) => d !== r && out.has(d))) out.delete(rev);
    }
    return out;
  }
}

export function isRevision(rev: RevOrBase): Revision {
  if (!(rev instanceof Revision)) throw new RevisionError(`Expected a revision, got ${String(rev)}`);
  return rev;
}

/** Python's `int(s)` for the strings a specifier can hold; undefined where Python raises. */
export function pythonInt(s: string): number | undefined {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[2]!.replace(/_/g, ''));
  return m[1] === '-' ? -n : n;
}
