import type { Position, Range } from '../../core/types';
import type { Revision } from '../../core/graph/revision';
import type { RevisionFile } from '../../core/parse';
import type { RevisionProject } from '../../core/project/revisionProject';

/**
 * Finding the revision id under the cursor. Ids appear as string literals in the four revision
 * assignments and as text in the docstring's `Revision ID:` and `Revises:` lines.
 */

export type IdField = 'revision' | 'down_revision' | 'depends_on' | 'branch_labels' | 'Revision ID' | 'Revises';

export interface IdAt {
  value: string;
  /** The literal with its quotes, or the word in the docstring. */
  range: Range;
  field: IdField;
}

/** The fields whose values name other revisions, where navigation leads somewhere else. */
export const REFERRING: ReadonlySet<IdField> = new Set<IdField>(['down_revision', 'depends_on', 'Revises']);

export function contains(range: Range, pos: Position): boolean {
  return !before(pos, range.start) && !before(range.end, pos);
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

export function idAt(file: RevisionFile, pos: Position): IdAt | undefined {
  const fields: [IdField, RevisionFile['revision']][] = [
    ['revision', file.revision],
    ['down_revision', file.downRevision],
    ['depends_on', file.dependsOn],
    ['branch_labels', file.branchLabels],
  ];
  for (const [field, assignment] of fields) {
    const literal = assignment?.literals.find((l) => contains(l.range, pos));
    if (literal) return { value: literal.value, range: literal.range, field };
  }
  const { revisionId, revises } = file.headers;
  if (revisionId && revisionId.value !== '' && contains(revisionId.range, pos)) return { value: revisionId.value, range: revisionId.range, field: 'Revision ID' };
  if (revises && contains(revises.range, pos)) {
    // Alembic writes several parents as `Revises: a, b`; each id is its own target.
    const r = revises.range;
    if (r.start.line !== r.end.line) return undefined;
    for (const m of revises.value.matchAll(/[^\s,]+/g)) {
      const start = { line: r.start.line, character: r.start.character + m.index };
      const range = { start, end: { line: start.line, character: start.character + m[0].length } };
      if (contains(range, pos)) return { value: m[0], range, field: 'Revises' };
    }
  }
  return undefined;
}

/**
 * The revision an id or branch label names, exactly as written: partial ids are not resolved,
 * since a prefix that is unique today may not be tomorrow and Alembic warns about them.
 */
export function resolveId(project: RevisionProject, value: string): Revision | undefined {
  return project.script.map.get(value);
}

/** Where a revision is declared: its `revision = ...` statement. */
export function declaration(project: RevisionProject, rev: Revision): Range | undefined {
  return project.entry(rev.path)?.header.revision?.range;
}
