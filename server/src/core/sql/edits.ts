import { lineIndexOf } from '../parse';
import type { RevisionFile, SqlString } from '../parse/types';
import type { TextEdit } from '../rules/types';
import type { Position, Range } from '../types';
import type { AnalyzedSql } from './analyze';
import type { SqlLexResult } from './lexer';

/**
 * The file range of `text[start, end)` of an SQL string. The end is taken just past the last
 * character rather than at `positionAt(end)`, which for a statement ending a concatenated
 * piece would point into the next piece, past the quotes between them.
 */
export function sqlRange(s: SqlString, start: number, end: number): Range {
  const from = s.positionAt(start);
  if (end <= start) return { start: from, end: from };
  // Past a line break is the start of the next line, not a column beyond the end of this one.
  if (s.text[end - 1] === '\n' || s.text[end - 1] === '\r') return { start: from, end: s.positionAt(end) };
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
  const lines = lineIndexOf(file);
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
 * with other code, where re-indenting it would change what the file means. `inner` are edits
 * within the statement (a keyword added to the call, say) that the rewrite includes, since an
 * editor cannot apply edits that overlap.
 */
export function wrapInAutocommitBlock(file: RevisionFile, range: Range, inner: readonly TextEdit[] = []): TextEdit | undefined {
  const lines = lineIndexOf(file);
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
  let original = file.text.slice(firstStart, contentEnd);
  const edits = inner.map((e) => ({ from: lines.offsetAt(e.range.start) - firstStart, to: lines.offsetAt(e.range.end) - firstStart, text: e.newText }));
  if (edits.some((e) => e.from < 0 || e.to > original.length || e.to < e.from)) return undefined;
  for (const e of edits.sort((a, b) => b.from - a.from || b.to - a.to)) original = original.slice(0, e.from) + e.text + original.slice(e.to);
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  const unit = indent.includes('\t') ? '\t' : '    ';
  const body = original
    .split(/\r?\n/)
    .map((l) => (l.trim() === '' ? l : unit + l))
    .join(eol);
  return {
    range: { start: { line: range.start.line, character: 0 }, end: lines.positionAt(contentEnd) },
    newText: `${indent}with op.get_context().autocommit_block():${eol}${body}`,
  };
}

/**
 * The file offsets `text[start, end)` of an SQL string was copied from character for character
 * (a newline may come from `\r\n`, which Python reads as `\n`), or undefined when any of it came
 * from an escape, a placeholder, a line continuation or the seam between concatenated pieces.
 */
function verbatimSource(file: RevisionFile, s: SqlString, start: number, end: number): { from: number; to: number } | undefined {
  if (start < 0 || end > s.text.length || end <= start) return undefined;
  const lines = lineIndexOf(file);
  const from = lines.offsetAt(s.positionAt(start));
  let at = from;
  for (let i = start; i < end; i++) {
    if (lines.offsetAt(s.positionAt(i)) !== at) return undefined;
    const ch = s.text[i];
    if (file.text[at] === ch) at++;
    else if (ch === '\n' && file.text[at] === '\r') at += file.text[at + 1] === '\n' ? 2 : 1;
    else return undefined;
  }
  return { from, to: at };
}

/**
 * The end of the statement `text[start, end)` without the comments and whitespace PostgreSQL
 * counts up to its semicolon: a `;` written after a trailing `-- comment` would be commented out.
 */
export function lastTokenEnd(text: string, lex: SqlLexResult, start: number, end: number): number {
  let e = end;
  for (;;) {
    while (e > start && /\s/.test(text[e - 1])) e--;
    const comment = lex.regions.find((r) => r.kind === 'comment' && r.end === e && r.start >= start);
    if (!comment) return e;
    e = comment.start;
  }
}

/**
 * The whitespace before the statement at `text[start]` when the statement starts a line of a
 * triple-quoted literal, so new lines may be added around it; undefined when it does not.
 */
function lineIndent(file: RevisionFile, s: SqlString, start: number, from: number): string | undefined {
  const lines = lineIndexOf(file);
  const lineStart = lines.lineStart(lines.positionAt(from).line);
  const indent = file.text.slice(lineStart, from);
  const newlineAt = start - indent.length - 1;
  if (!/^[ \t]*$/.test(indent) || newlineAt < 0 || s.text[newlineAt] !== '\n') return undefined;
  // A newline copied verbatim into the value is a line of a triple-quoted literal, except after
  // a backslash in a raw string, which keeps the newline even between single quotes.
  const run = verbatimSource(file, s, newlineAt, start);
  if (!run || run.to !== from || file.text[run.from - 1] === '\\') return undefined;
  return indent;
}

/** `$$`, or the first of `$do$`, `$do1$`, ... that the body does not contain, so the body cannot end the quote early. */
function dollarTag(body: string): string {
  if (!body.includes('$$')) return '$$';
  for (let k = 0; ; k++) {
    const tag = k === 0 ? '$do$' : `$do${k}$`;
    if (!body.includes(tag)) return tag;
  }
}

/**
 * An edit that replaces the statement `text[start, end)` of an SQL string with a DO block that
 * runs it and ignores `conditions`, PostgreSQL's guard for statements that have no IF NOT
 * EXISTS. When the statement starts a line of a triple-quoted string the block is laid out
 * over lines at its indentation; otherwise it is one line, since a newline cannot be added to
 * a single-quoted string. The statement's own semicolon, if any, stays after the block.
 *
 * Undefined when the statement's source is not a verbatim copy of its SQL (an escape, a
 * dynamic part, concatenated pieces), where copying it into a new text could change its
 * meaning, and when it has bind parameters, which a DO block cannot take.
 */
export function wrapInDoBlock(file: RevisionFile, sql: AnalyzedSql, start: number, end: number, conditions: readonly string[]): TextEdit | undefined {
  const s = sql.source;
  const stop = lastTokenEnd(s.text, sql.lex, start, end);
  if (stop <= start || conditions.length === 0) return undefined;
  if (sql.lex.binds.some((b) => b.start < stop && b.end > start)) return undefined;
  const statement = s.text.slice(start, stop);
  // `\\`, `{{` and `%%` give one character that maps to the first of the two in the source,
  // which looks verbatim when it is the last character; the rest of the statement is checked.
  if (/[\\{}%]$/.test(statement)) return undefined;
  const source = verbatimSource(file, s, start, stop);
  if (!source) return undefined;

  const lines = lineIndexOf(file);
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  const tag = dollarTag(statement);
  const when = `WHEN ${conditions.join(' OR ')} THEN NULL;`;
  const indent = lineIndent(file, s, start, source.from);
  let newText: string;
  if (indent === undefined) {
    newText = `DO ${tag} BEGIN ${statement.replace(/\n/g, eol)}; EXCEPTION ${when} END ${tag}`;
  } else {
    const unit = indent.includes('\t') ? '\t' : '    ';
    // Lines that continue a string literal of the SQL keep their text; the others move one
    // level in, with the statement, except blank ones, which get no trailing whitespace.
    const literals = sql.lex.regions.filter((r) => r.kind !== 'comment');
    const blankLine = /[ \t]*(?:\n|$)/y;
    let body = '';
    for (let i = 0; i < statement.length; i++) {
      const ch = statement[i];
      if (ch !== '\n') {
        body += ch;
        continue;
      }
      const at = start + i;
      const inLiteral = literals.some((r) => r.start < at && at < r.end);
      blankLine.lastIndex = i + 1;
      body += eol + (inLiteral || blankLine.test(statement) ? '' : unit);
    }
    newText = [`DO ${tag} BEGIN`, `${indent}${unit}${body};`, `${indent}EXCEPTION`, `${indent}${unit}${when}`, `${indent}END ${tag}`].join(eol);
  }
  return { range: { start: lines.positionAt(source.from), end: lines.positionAt(source.to) }, newText };
}
