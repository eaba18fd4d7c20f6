import { LineIndex } from '../parse/positions';
import type { RevisionFile, SqlString } from '../parse/types';
import type { TextEdit } from '../rules/types';
import type { Position, Range } from '../types';

const lineIndexes = new WeakMap<RevisionFile, LineIndex>();

function linesOf(file: RevisionFile): LineIndex {
  let lines = lineIndexes.get(file);
  if (!lines) {
    lines = new LineIndex(file.text);
    lineIndexes.set(file, lines);
  }
  return lines;
}

/**
 * The file range of `text[start, end)` of an SQL string. The end is taken just past the last
 * character rather than at `positionAt(end)`, which for a statement ending a concatenated
 * piece would point into the next piece, past the quotes between them.
 */
export function sqlRange(s: SqlString, start: number, end: number): Range {
  const from = s.positionAt(start);
  if (end <= start) return { start: from, end: from };
  const last = s.positionAt(end - 1);
  return { start: from, end: { line: last.line, character: last.character + 1 } };
}

/**
 * An edit that inserts `insert` into the SQL before `text[offset]`, or undefined when the
 * string's source around that point is not a verbatim run (an escape, a line continuation, a
 * boundary between concatenated pieces, a dynamic part), where an insertion might not mean
 * the same thing in Python as in the SQL.
 */
export function sqlInsertion(file: RevisionFile, s: SqlString, offset: number, insert: string): TextEdit | undefined {
  if (offset <= 0 || offset > s.text.length) return undefined;
  const lines = linesOf(file);
  const before = s.positionAt(offset - 1);
  const beforeAt = lines.offsetAt(before);
  if (file.text[beforeAt] !== s.text[offset - 1]) return undefined;
  const at: Position = { line: before.line, character: before.character + 1 };
  if (offset < s.text.length) {
    const next = s.positionAt(offset);
    if (next.line !== at.line || next.character !== at.character || file.text[beforeAt + 1] !== s.text[offset]) return undefined;
  }
  // An insertion that Python would read differently (a quote, a brace in an f-string, a
  // backslash) is refused outright; fixes only insert keywords and spaces.
  if (!/^[A-Za-z ]+$/.test(insert)) return undefined;
  return { range: { start: at, end: at }, newText: insert };
}

/**
 * Rewrites the lines of `range` (a whole statement of the migration function) to run inside
 * `with op.get_context().autocommit_block():`, or undefined when the statement shares a line
 * with other code, where re-indenting it would change what the file means.
 */
export function wrapInAutocommitBlock(file: RevisionFile, range: Range): TextEdit | undefined {
  const lines = linesOf(file);
  const firstStart = lines.lineStart(range.start.line);
  const startOffset = lines.offsetAt(range.start);
  const indent = file.text.slice(firstStart, startOffset);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const endOffset = lines.offsetAt(range.end);
  const nextLine = range.end.line + 1 < lines.lineCount ? lines.lineStart(range.end.line + 1) : file.text.length;
  const contentEnd = nextLine - (/\r?\n$/.exec(file.text.slice(endOffset, nextLine))?.[0].length ?? 0);
  if (!/^[ \t]*(#.*)?$/.test(file.text.slice(endOffset, contentEnd))) return undefined;
  // The lines of a triple-quoted SQL string are part of its value, so a statement spanning
  // lines is only re-indented when no such string is inside it.
  if (range.start.line !== range.end.line && /"""|'''/.test(file.text.slice(startOffset, endOffset))) return undefined;
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  const unit = indent.includes('\t') ? '\t' : '    ';
  const body = file.text
    .slice(firstStart, contentEnd)
    .split(/\r?\n/)
    .map((l) => (l.trim() === '' ? l : unit + l))
    .join(eol);
  return {
    range: { start: { line: range.start.line, character: 0 }, end: lines.positionAt(contentEnd) },
    newText: `${indent}with op.get_context().autocommit_block():${eol}${body}`,
  };
}
