/**
 * A node of the revision graph, with the same fields and derived properties as Alembic's
 * `alembic.script.revision.Revision`. Names follow Alembic's so that the port in
 * `revisionMap.ts` can be read side by side with `revision.py`.
 *
 * Python's tuples become arrays, where an empty array stands for `None` (Alembic turns an
 * empty tuple into `None` through `tuple_rev_as_scalar`). Python's sets become insertion-ordered
 * JavaScript sets.
 */
export class Revision {
  /** Revision ids whose `down_revision` names this revision. */
  nextrev = new Set<string>();
  /** Like `nextrev`, also counting revisions that name this one in `depends_on`. */
  allNextrev = new Set<string>();
  /** Labels after propagation along the branch; `origBranchLabels` are the declared ones. */
  readonly branchLabels: Set<string>;
  /** Position in the map's revision list, for traversals that mark visited nodes in an array. */
  index = -1;
  private resolved: string[] = [];
  private normalizedResolved: string[] = [];
  // The derived parent lists are read in every traversal, so they are computed once per change.
  private allDown: string[] | undefined;
  private normalizedDown: string[] | undefined;

  constructor(
    readonly revision: string,
    /** `down_revision` as declared, `[]` for None. */
    readonly downRevision: readonly string[],
    /** `depends_on` as declared (ids, partial ids or branch labels), `[]` for None. */
    readonly dependencies: readonly string[],
    readonly origBranchLabels: readonly string[],
    /** Absolute path of the file that declares it. */
    readonly path: string,
  ) {
    this.branchLabels = new Set(origBranchLabels);
  }

  get versionedDownRevisions(): readonly string[] {
    return this.downRevision;
  }

  /** `depends_on` resolved to revision ids (labels replaced by the revision that carries them). */
  get resolvedDependencies(): readonly string[] {
    return this.resolved;
  }

  set resolvedDependencies(ids: readonly string[]) {
    this.resolved = [...ids];
    this.allDown = undefined;
  }

  /** The resolved dependencies that no ancestor already depends on. */
  get normalizedResolvedDependencies(): readonly string[] {
    return this.normalizedResolved;
  }

  set normalizedResolvedDependencies(ids: readonly string[]) {
    this.normalizedResolved = [...ids];
    this.normalizedDown = undefined;
  }

  get allDownRevisions(): readonly string[] {
    this.allDown ??= dedupe([...this.downRevision, ...this.resolved]);
    return this.allDown;
  }

  get normalizedDownRevisions(): readonly string[] {
    this.normalizedDown ??= dedupe([...this.downRevision, ...this.normalizedResolved]);
    return this.normalizedDown;
  }

  get isHead(): boolean {
    return this.nextrev.size === 0;
  }

  get isRealHead(): boolean {
    return this.allNextrev.size === 0;
  }

  get isBase(): boolean {
    return this.downRevision.length === 0;
  }

  get isRealBase(): boolean {
    return this.downRevision.length === 0 && this.dependencies.length === 0;
  }

  get isBranchPoint(): boolean {
    return this.nextrev.size > 1;
  }

  get isRealBranchPoint(): boolean {
    return this.allNextrev.size > 1;
  }

  get isMergePoint(): boolean {
    return this.downRevision.length > 1;
  }

  /**
   * Forgets what building a map filled in (children, propagated labels, resolved
   * dependencies), so that a map built again from the same nodes, as a project does after an
   * edit elsewhere, sees them as Alembic sees freshly loaded ones.
   */
  resetGraphState(): void {
    this.nextrev.clear();
    this.allNextrev.clear();
    this.branchLabels.clear();
    for (const l of this.origBranchLabels) this.branchLabels.add(l);
    this.index = -1;
    this.resolved = [];
    this.normalizedResolved = [];
    this.allDown = undefined;
    this.normalizedDown = undefined;
  }

  addNextrev(child: Revision): void {
    this.allNextrev.add(child.revision);
    if (child.versionedDownRevisions.includes(this.revision)) {
      this.nextrev.add(child.revision);
    }
  }
}

export function dedupe(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Characters Alembic refuses in a revision id (`Revision.verify_rev_id`). */
export const ILLEGAL_ID_CHARS = ['@', '-', '+', ':'];

export function illegalCharsIn(id: string): string[] {
  return ILLEGAL_ID_CHARS.filter((c) => id.includes(c)).sort();
}

/** The errors of `alembic.script.revision`, with Alembic's messages. */
export class RevisionError extends Error {
  override name = 'RevisionError';
}

export class RangeNotAncestorError extends RevisionError {
  constructor(
    readonly lower: string | readonly string[] | null,
    readonly upper: string | readonly string[] | null,
  ) {
    // Python's `lower or "base"`: None, '' and () all read as base.
    const orBase = (v: string | readonly string[] | null): string => (v === null || v.length === 0 ? 'base' : pyFormat(v));
    super(`Revision ${orBase(lower)} is not an ancestor of revision ${orBase(upper)}`);
  }
}

export class MultipleHeads extends RevisionError {
  constructor(
    readonly heads: readonly string[],
    readonly argument: string | null,
  ) {
    super(`Multiple heads are present for given argument '${argument}'; ${heads.join(', ')}`);
  }
}

export class ResolutionError extends RevisionError {
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
  }
}

/** How Python's `"%s" % v` shows a revision identifier: a string, None, or a tuple of strings. */
export function pyFormat(v: string | readonly string[] | null): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return v;
  return `(${v.map((x) => `'${x}'`).join(', ')}${v.length === 1 ? ',' : ''})`;
}
