import type { Revision } from './revision';

/**
 * One line of `alembic history`, as `Script._head_only(include_branches=True,
 * include_doc=True, include_parents=True)` writes it, for example
 * `ae1027a6acf, 27c6a30d7c24 -> 1975ea83b712 (head) (mergepoint), merge heads`.
 */
export function historyLine(rev: Revision, message: string): string {
  const down = rev.downRevision.length === 0 ? '<base>' : rev.downRevision.join(', ');
  let text = rev.dependencies.length > 0 ? `${down} (${rev.dependencies.join(', ')}) -> ${rev.revision}` : `${down} -> ${rev.revision}`;
  if (rev.branchLabels.size > 0) text += ` (${[...rev.branchLabels].join(', ')})`;
  if (rev.isRealHead) text += ' (head)';
  else if (rev.isHead) text += ' (effective head)';
  if (rev.isBranchPoint) text += ' (branchpoint)';
  if (rev.isMergePoint) text += ' (mergepoint)';
  return `${text}, ${message}`;
}

/** `Script.doc`: the first paragraph of the stripped docstring, or '' when there is none. */
export function docMessage(docstring: string | undefined, strip: (s: string) => string): string {
  if (!docstring) return '';
  return strip(docstring).split('\n\n')[0]!;
}
