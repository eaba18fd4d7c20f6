import { readSuppressionComments, type SuppressionComment } from '../../core/rules/suppressions';
import type { RuleId, TextEdit } from '../../core/rules/types';
import { applyTextEdits } from './textEdits';

/**
 * The edit that suppresses `rule` for findings starting on `line`: the id added to a comment
 * that already targets the line, or a new `# alembic-pilot: ignore[rule]` at the end of the
 * line, or on its own line above when the end of the line is taken (another comment, an open
 * string). Every candidate is checked by reading the edited text's suppression comments back,
 * so an edit that would land inside a string or a comment is never offered.
 */
export function suppressionEdit(text: string, line: number, rule: RuleId): TextEdit | undefined {
  const comments = readSuppressionComments(text).comments;
  const existing = comments.find((c) => c.kind === 'line' && c.target === line && c.ids !== undefined && c.listRange !== undefined);
  if (existing) return addToList(existing, rule);
  const lines = text.split(/\r\n|\r|\n/);
  const lineText = lines[line];
  if (lineText === undefined) return undefined;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const directive = `# alembic-pilot: ignore[${rule}]`;
  const candidates: { edit: TextEdit; commentAt: { line: number; character: number }; target: number }[] = [];
  if (!/\\\s*$/.test(lineText)) {
    const end = { line, character: lineText.length };
    const gap = lineText.trim() === '' ? '' : '  ';
    candidates.push({ edit: { range: { start: end, end }, newText: `${gap}${directive}` }, commentAt: { line, character: lineText.length + gap.length }, target: line });
  }
  if (line === 0 || !/\\\s*$/.test(lines[line - 1]!)) {
    const indent = /^[ \t]*/.exec(lineText)![0];
    const start = { line, character: 0 };
    candidates.push({ edit: { range: { start, end: start }, newText: `${indent}${directive}${eol}` }, commentAt: { line, character: indent.length }, target: line + 1 });
  }
  for (const c of candidates) {
    const after = readSuppressionComments(applyTextEdits(text, [c.edit])).comments;
    const works = after.some(
      (s) => s.kind === 'line' && s.range.start.line === c.commentAt.line && s.range.start.character === c.commentAt.character && s.target === c.target && s.ids?.some((i) => i.id === rule),
    );
    if (works) return c.edit;
  }
  return undefined;
}

function addToList(c: SuppressionComment, rule: RuleId): TextEdit | undefined {
  const ids = c.ids!.map((i) => i.id);
  if (ids.includes(rule)) return undefined;
  return { range: c.listRange!, newText: `[${[...ids, rule].join(', ')}]` };
}
