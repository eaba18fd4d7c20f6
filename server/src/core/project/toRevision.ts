import path from 'node:path';
import { Revision } from '../graph/revision';
import type { RevisionAssignment, RevisionHeader } from '../revisionHeader';
import type { Problem } from '../types';

/**
 * Turns what a file declares into a graph node the way Alembic's `Script._from_path` and
 * `Script.__init__` do, or explains why Alembic could not load it.
 */

// Alembic's `_legacy_rev`: a file without `revision` is named after its id.
const LEGACY_REV = /^([a-f0-9]+)\.py$/;

export interface ToRevisionResult {
  revision?: Revision;
  problems: Problem[];
  /** Fields whose values are not literals, as `name = <source>`, never guessed. */
  unresolved: string[];
}

export function toRevision(header: RevisionHeader): ToRevisionResult {
  const problems: Problem[] = [];
  const unresolved: string[] = [];
  const file = header.path;
  const problem = (message: string, at?: RevisionAssignment): void => {
    problems.push({ code: 'python-syntax', message, file, ...(at ? { range: at.range } : {}) });
  };

  let id: string | undefined;
  const rev = header.revision;
  if (rev) {
    if (rev.ids && rev.ids.length === 1 && !rev.isNone) id = rev.ids[0];
    else if (rev.ids === undefined) {
      problem(`revision = ${rev.text} is not a string literal, so the revision id cannot be known without running the file.`, rev);
    } else {
      problem(`revision = ${rev.text} is not a single string; Alembic needs one revision id per file.`, rev);
    }
  } else {
    const m = LEGACY_REV.exec(path.basename(file));
    if (m) id = m[1];
    else {
      problem(
        `This file declares no revision variable and its name is not a hex id, so Alembic stops with "Could not determine revision id from filename ${path.basename(file)}".`,
      );
    }
  }

  const down = header.downRevision;
  let downIds: string[] = [];
  if (!down) {
    problem("This file declares no down_revision variable, so Alembic stops with AttributeError: module has no attribute 'down_revision'.");
  } else if (down.ids === undefined) {
    problem(`down_revision = ${down.text} is not made of string literals, so this revision's parents cannot be known without running the file.`, down);
    unresolved.push(`down_revision = ${down.text}`);
  } else downIds = down.ids;

  const labels = literalIds(header.branchLabels, 'branch_labels', unresolved);
  const deps = literalIds(header.dependsOn, 'depends_on', unresolved);
  if (id === undefined) return { problems, unresolved };
  return { revision: new Revision(id, downIds, deps, labels, file), problems, unresolved };
}

function literalIds(a: RevisionAssignment | undefined, name: string, unresolved: string[]): string[] {
  if (!a) return [];
  if (a.ids === undefined) {
    unresolved.push(`${name} = ${a.text}`);
    return [];
  }
  return a.ids;
}
