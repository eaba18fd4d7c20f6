import type { Range } from '../types';
import type { Rule, RuleContext } from './types';

/**
 * The docstring's `Revision ID:` and `Revises:` lines are written once by `alembic revision`
 * and never read back by Alembic, so they go stale when someone rebases a revision by editing
 * down_revision. People (and reviewers) still read them, so a stale header misleads.
 *
 * Every form Alembic's templates have written is accepted: `Revises: a, b`, the Python repr
 * older templates wrote (`Revises: ('a', 'b')`, `Revises: None`), an empty `Revises:` on a base,
 * quoted ids. Parents are compared as a set, in any order; only a real disagreement in the ids
 * is a finding. When the code's down_revision names a revision that does not exist,
 * unknown-down-revision reports the code and this rule stays quiet, since the header may well
 * be the correct one.
 */
export const revisionHeaderMismatch: Rule = {
  id: 'revision-header-mismatch',
  defaultSeverity: 'warning',
  description: "The docstring's Revision ID: or Revises: line disagrees with the code.",
  check(ctx) {
    const { headers, revision, downRevision } = ctx.file;
    const id = revision?.ids?.length === 1 && !revision.isNone ? revision.ids[0] : undefined;
    if (headers.revisionId && id !== undefined && unquoted(headers.revisionId.value) !== id) {
      report(ctx, headers.revisionId.range, id, `The docstring says Revision ID: ${headers.revisionId.value} but the code declares revision = '${id}', so anyone reading the header looks for the wrong revision.`);
    }
    const parents = downRevision?.ids;
    if (!headers.revises || parents === undefined) return;
    if (parents.some((p) => ctx.project.script.map.get(p) === undefined)) return;
    const written = writtenParents(headers.revises.value);
    if (written.size === new Set(parents).size && parents.every((p) => written.has(p))) return;
    // An empty header's range sits right after the colon, so the value needs its space.
    const expected = headers.revises.value === '' && parents.length > 0 ? ` ${parents.join(', ')}` : parents.join(', ');
    const code = parents.length === 0 ? 'no down_revision (a base)' : `down_revision ${parents.map((p) => `'${p}'`).join(', ')}`;
    report(ctx, headers.revises.range, expected, `The docstring says Revises: ${headers.revises.value || '(nothing)'} but the code declares ${code}, so the header misstates where this revision sits in the history.`);
  },
};

/** The ids a `Revises:` value names, in any of the forms templates wrote; none for a base. */
export function writtenParents(value: string): Set<string> {
  const inner = value.trim().replace(/^[([]\s*(.*?)\s*[)\]]$/s, '$1');
  if (inner === 'None') return new Set();
  return new Set(inner.split(',').map(unquoted).filter((s) => s !== '' && s !== 'None'));
}

function unquoted(s: string): string {
  const t = s.trim();
  return /^(['"]).*\1$/s.test(t) ? t.slice(1, -1).trim() : t;
}

function report(ctx: RuleContext, range: Range, newText: string, message: string): void {
  ctx.report({
    range,
    message,
    help: 'Alembic only reads the code; update the docstring to match it.',
    fixes: [{ title: 'Make the docstring header match the code', edits: [{ file: ctx.file.path, edits: [{ range, newText }] }], isPreferred: true }],
  });
}
