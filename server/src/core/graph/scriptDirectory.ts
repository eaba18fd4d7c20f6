import { MultipleHeads, RangeNotAncestorError, ResolutionError, Revision, RevisionError, pyFormat } from './revision';
import { Planner } from './plan';
import { RevisionMap } from './revisionMap';

/**
 * The operations the alembic CLI performs on a history, with the messages it prints: a port
 * of the parts of Alembic 1.20's `ScriptDirectory` that only read the revision map
 * (`walk_revisions`, `get_revisions`, `_upgrade_revs`, `_downgrade_revs`) and of
 * `_catch_revision_errors`, which turns revision errors into `CommandError`s.
 */

/** What the alembic CLI prints as `FAILED: <message>` for a bad specifier or range. */
export class CommandError extends Error {
  override name = 'CommandError';
}

interface CatchOptions {
  ancestor?: string;
  multipleHeads?: string;
  start?: string;
  end?: string;
}

function catchRevisionErrors<T>(opts: CatchOptions, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeNotAncestorError) {
      const start = opts.start ?? pyFormat(e.lower);
      const end = opts.end ?? pyFormat(e.upper);
      const template = opts.ancestor ?? 'Requested range %(start)s:%(end)s does not refer to ancestor/descendant revisions along the same branch';
      throw new CommandError(template.replace('%(start)s', start).replace('%(end)s', end));
    }
    if (e instanceof MultipleHeads) {
      const template =
        opts.multipleHeads ??
        "Multiple head revisions are present for given argument '%(head_arg)s'; please specify a specific target revision, '<branchname>@%(head_arg)s' to narrow to a specific head, or 'heads' for all heads";
      const headArg = opts.end || String(e.argument);
      throw new CommandError(template.split('%(head_arg)s').join(headArg).replace('%(heads)s', e.heads.join(', ')));
    }
    if (e instanceof ResolutionError) throw new CommandError(`Can't locate revision identified by '${e.argument}'`);
    if (e instanceof RevisionError) throw new CommandError(e.message);
    throw e;
  }
}

export class ScriptDirectory {
  readonly map: RevisionMap;
  private readonly planner: Planner;

  constructor(revisions: Iterable<Revision>) {
    this.map = new RevisionMap(revisions);
    this.planner = new Planner(this.map);
  }

  /** `get_heads()`: heads that count `down_revision` only, in Alembic's order. */
  getHeads(considerDependsOn = false): string[] {
    return [...(considerDependsOn ? this.map.realHeads : this.map.heads)];
  }

  getBases(): string[] {
    return [...this.map.bases];
  }

  /** `walk_revisions(base, head)`: `alembic history` order, newest first. */
  walkRevisions(base = 'base', head = 'heads'): Revision[] {
    return catchRevisionErrors({ start: base, end: head }, () =>
      this.planner.iterateRevisions(head, base, { inclusive: true, assertRelativeLength: false }),
    );
  }

  /**
   * The `alembic history` order, or file order (newest file first) with the reason when
   * Alembic could not order this history, so that a broken history can still be shown.
   */
  historyOrder(): { revisions: Revision[]; error?: string } {
    if (this.map.hasCycle) return { revisions: [...this.map.revisions.values()].reverse(), error: 'the history has a cycle' };
    try {
      return { revisions: this.walkRevisions() };
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      return { revisions: [...this.map.revisions.values()].reverse(), error: e.message };
    }
  }

  /**
   * `get_revisions(spec)`: what a specifier names. `base` names nothing, while walking below
   * the first revision (`-1` from a base) gives the `'base'` marker, as in Alembic.
   */
  getRevisions(spec: string): (Revision | 'base')[] {
    return catchRevisionErrors({}, () => this.planner.getRevisions(spec).filter((r): r is Revision | 'base' => r !== null));
  }

  /** `get_revision(spec)`: exactly one revision, or null for `base`. */
  getRevision(spec: string): Revision | null {
    return catchRevisionErrors({}, () => this.planner.getRevision(spec));
  }

  /** The revisions `alembic upgrade destination` runs, in order, from the database's current heads. */
  upgradePlan(destination: string, currentHeads: readonly string[]): Revision[] {
    return catchRevisionErrors({ ancestor: 'Destination %(end)s is not a valid upgrade target from current head(s)', end: destination }, () =>
      this.planner.iterateRevisions(destination, currentHeads, { implicitBase: true }).reverse(),
    );
  }

  /** The revisions `alembic downgrade destination` runs, in order, from the database's current heads. */
  downgradePlan(destination: string, currentHeads: readonly string[]): Revision[] {
    return catchRevisionErrors({ ancestor: 'Destination %(end)s is not a valid downgrade target from current head(s)', end: destination }, () =>
      this.planner.iterateRevisions(currentHeads, destination, { selectForDowngrade: true }),
    );
  }
}
