import type { RevisionAssignment, RevisionHeader } from '../revisionHeader';
import type { Problem, Range } from '../types';
import { LineIndex } from '../parse/positions';
import { extractDocstringHeaders } from '../parse/docstringHeaders';
import { evaluateConcatenation, findStringLiteralEnd } from '../parse/literals';
import { PYTHON_MAX_BRACKET_DEPTH, TOO_DEEP_MESSAGE } from '../parse/nesting';
import { parseLiteralValue, plainContentStart } from './literalValue';
import { detach } from './detach';

/**
 * Reads what the revision graph needs from a revision file without parsing all of it.
 *
 * Building the graph of a 10,000-revision history must take a fraction of a second, and a full
 * parse of every file costs ten times that. Alembic only looks at four module-level names and
 * the docstring, so this scanner tokenizes just enough of Python to know where each top-level
 * statement starts (strings, comments, brackets and line continuations are all it needs to
 * follow) and reads the value of those four assignments with a small literal parser. Function
 * bodies are skipped over, but never misread: a `revision = ...` line inside a triple-quoted
 * SQL string is still inside the string.
 *
 * The full parser (`parse/revisionFile.ts`) produces the same `RevisionHeader` and the tests
 * hold the two to agreement.
 */

const WATCHED = new Set(['revision', 'down_revision', 'branch_labels', 'depends_on']);
type WatchedName = 'revision' | 'down_revision' | 'branch_labels' | 'depends_on';

// Characters that change the scanner's state; everything else is skipped by the regex engine.
const SPECIAL = /["'#\n\\()[\]{};]/g;

interface Statement {
  start: number;
  end: number;
}

export function scanRevisionHeader(path: string, text: string): RevisionHeader {
  // Nothing after the last place a watched name appears can change the answer, so the scan
  // stops at the first statement boundary past it; on a typical revision file that skips the
  // function bodies, which are most of the text.
  const last = Math.max(lastOccurrence(text, 'revision'), lastOccurrence(text, 'branch_labels'), lastOccurrence(text, 'depends_on'));
  const errors: { offset: number; message: string }[] = [];
  const statements = topLevelStatements(text, (offset, message) => errors.push({ offset, message }), last);
  // Every position asked for lies in what was scanned, so the line table covers only that
  // (with a character to spare, which a `\r\n` at the edge needs): not the function bodies.
  let scanned = 0;
  for (const st of statements) scanned = Math.max(scanned, st.end);
  for (const e of errors) scanned = Math.max(scanned, e.offset + 1);
  const lines = new LineIndex(scanned + 2 >= text.length ? text : text.slice(0, scanned + 2));
  const problems: Problem[] = errors.map((e) => ({ code: 'python-syntax', message: e.message, file: path, range: lines.rangeOf(e.offset, e.offset + 1) }));

  const header: RevisionHeader = { path, headers: {}, problems };
  let first = true;
  for (const st of statements) {
    if (first) {
      first = false;
      const doc = readDocstring(text, st, lines);
      if (doc) {
        Object.assign(header, doc);
        continue;
      }
    }
    const assignment = readAssignment(text, st, lines);
    if (assignment) for (const name of assignment.names) setField(header, name, assignment.value);
  }
  return header;
}

/** Like `lastIndexOf`, but searching forwards, which V8 does several times faster. */
function lastOccurrence(text: string, word: string): number {
  let last = -1;
  for (let p = text.indexOf(word); p >= 0; p = text.indexOf(word, p + word.length)) last = p;
  return last;
}

function setField(header: RevisionHeader, name: WatchedName, value: RevisionAssignment): void {
  if (name === 'revision') header.revision = value;
  else if (name === 'down_revision') header.downRevision = value;
  else if (name === 'branch_labels') header.branchLabels = value;
  else header.dependsOn = value;
}

/**
 * Splits the module into its top-level simple statements: those that start at column 0,
 * outside brackets and strings, separated by newlines or semicolons. Compound statements and
 * indented blocks come out too, and are ignored by the callers. With `stopAfter`, the scan ends
 * at the first statement boundary past that offset (once at least one statement was seen), and
 * problems after that point go unreported: the full parser reports those.
 */
export function topLevelStatements(text: string, onError: (offset: number, message: string) => void, stopAfter = Infinity): Statement[] {
  const out: Statement[] = [];
  const n = text.length;
  let depth = 0;
  let tooDeep = false;
  let stmtStart = -1;
  let lineStart = 0;
  let i = 0;

  const endStatement = (end: number): void => {
    if (stmtStart >= 0) out.push({ start: stmtStart, end });
    stmtStart = -1;
  };
  const beginAt = (pos: number): void => {
    // A statement is top level when its first token is at column 0 of a fresh logical line.
    if (stmtStart >= 0 || depth > 0) return;
    let p = pos;
    while (p < n && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9 || text.charCodeAt(p) === 12)) p++;
    if (p >= n) return;
    const c = text.charCodeAt(p);
    if (c === 10 || c === 13 || c === 35 /* # */) return;
    if (p === lineStart && pos === lineStart) stmtStart = p;
    else stmtStart = -2; // An indented line: part of a block, not a top-level statement.
  };

  beginAt(0);
  SPECIAL.lastIndex = 0;
  while (i < n) {
    SPECIAL.lastIndex = i;
    const m = SPECIAL.exec(text);
    if (!m) break;
    i = m.index;
    const c = text.charCodeAt(i);
    switch (c) {
      case 10: // newline
        i++;
        if (depth === 0) {
          endStatement(i - 1);
          if (i > stopAfter && out.length > 0) return out.filter((st) => st.start >= 0);
          lineStart = i;
          beginAt(i);
        }
        break;
      case 35: // comment
        i = text.indexOf('\n', i);
        if (i < 0) i = n;
        break;
      case 92: // backslash: an explicit line continuation outside strings
        i += text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10 ? 3 : 2;
        break;
      case 59: // semicolon separates simple statements on one line
        i++;
        if (depth === 0 && stmtStart >= 0) {
          endStatement(i - 1);
          let p = i;
          while (p < n && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
          if (p < n && text.charCodeAt(p) !== 10 && text.charCodeAt(p) !== 35 && text.charCodeAt(p) !== 13) stmtStart = p;
        }
        break;
      case 40:
      case 91:
      case 123:
        depth++;
        if (depth === PYTHON_MAX_BRACKET_DEPTH + 1 && !tooDeep) {
          tooDeep = true;
          onError(i, TOO_DEEP_MESSAGE);
        }
        i++;
        break;
      case 41:
      case 93:
      case 125:
        if (depth === 0) onError(i, `Python cannot parse this file: unmatched '${text[i]}' at line ${lineOf(text, i)}.`);
        else depth--;
        i++;
        break;
      default: {
        // A quote: skip the whole string literal, prefix letters were plain text already.
        const end = findStringLiteralEnd(text, i);
        if (end < 0) {
          onError(i, `Python cannot parse this file: the string starting at line ${lineOf(text, i)} is never closed.`);
          i = n;
        } else i = end;
      }
    }
  }
  if (depth > 0) onError(n > 0 ? n - 1 : 0, `Python cannot parse this file: a bracket is still open at the end of the file.`);
  if (stmtStart >= 0) out.push({ start: stmtStart, end: n });
  return out.filter((s) => s.start >= 0);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let p = text.indexOf('\n'); p >= 0 && p < offset; p = text.indexOf('\n', p + 1)) line++;
  return line;
}

/**
 * The module docstring: the first statement, when it is nothing but a str constant (implicit
 * concatenation and parentheses allowed; f-strings and bytes are not docstrings to Python).
 * Its headers are read by the parser's own `extractDocstringHeaders`, so both agree.
 */
function readDocstring(text: string, st: Statement, lines: LineIndex): Pick<RevisionHeader, 'docstring' | 'docstringRange' | 'headers'> | undefined {
  const c = text[st.start]!;
  if (c !== '"' && c !== "'" && c !== '(' && !/[rRuU]/.test(c)) return undefined;
  const parsed = parseLiteralValue(text, st.start, st.end);
  if (!parsed || parsed.kind !== 'string') return undefined;
  const first = parsed.pieces[0]!;
  const last = parsed.pieces[parsed.pieces.length - 1]!;
  const docstringRange = lines.rangeOf(first.from, last.to);
  const plain = parsed.pieces.length === 1 ? plainContentStart(text, first.from, first.to) : undefined;
  if (plain !== undefined) {
    // Without escapes the value is the source itself, so offsets map by adding its start.
    const headers = extractDocstringHeaders(parsed.value, (from, to) => lines.rangeOf(plain + from, plain + to));
    return { docstring: parsed.value, docstringRange, headers };
  }
  const mapped = evaluateConcatenation(text, parsed.pieces);
  if (!mapped) return undefined;
  const headers = extractDocstringHeaders(parsed.value, (from, to) => {
    const start = lines.positionAt(mapped.value.sourceAt(from));
    return { start, end: to === from ? start : lines.positionAt(mapped.value.sourceEndAt(to)) };
  });
  return { docstring: parsed.value, docstringRange, headers };
}

/**
 * A top-level assignment to watched names. Chained targets (`revision = down_revision = "x"`)
 * all take the value, as in Python; an annotated assignment has exactly one target.
 */
function readAssignment(text: string, st: Statement, lines: LineIndex): { names: WatchedName[]; value: RevisionAssignment } | undefined {
  const names: WatchedName[] = [];
  let p = st.start;
  let valueStart = -1;
  for (;;) {
    const end = identifierEnd(text, p, st.end);
    if (end === p) break;
    const name = watchedName(text, p, end);
    let q = skipBlank(text, end, st.end);
    if (text[q] === ':' && names.length === 0) {
      // An annotated assignment; the value follows the first top-level '=' after the annotation.
      const eq = topLevelEquals(text, q + 1, st.end);
      if (eq < 0) return undefined; // A bare annotation assigns nothing.
      if (name) names.push(name);
      valueStart = eq + 1;
      break;
    }
    if (text[q] !== '=' || text[q + 1] === '=') break;
    if (name) names.push(name);
    valueStart = q + 1;
    q = skipBlank(text, valueStart, st.end);
    // Another `name =` means a chained assignment; anything else is the value.
    const nextEnd = identifierEnd(text, q, st.end);
    if (nextEnd === q) break;
    const after = skipBlank(text, nextEnd, st.end);
    if (text[after] !== '=' || text[after + 1] === '=') break;
    p = q;
  }
  if (names.length === 0 || valueStart < 0) return undefined;
  // The last `=` of a chain with other kinds of targets (`x.y = revision = ...`) is still found.
  for (let eq = topLevelEquals(text, valueStart, st.end); eq >= 0; eq = topLevelEquals(text, valueStart, st.end)) valueStart = eq + 1;
  return { names, value: assignmentValue(text, st, valueStart, lines) };
}

/** The end of the ASCII identifier starting at `p`, or `p` when there is none. */
function identifierEnd(text: string, p: number, to: number): number {
  let e = p;
  while (e < to) {
    const c = text.charCodeAt(e);
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
    if (!letter && !(e > p && c >= 48 && c <= 57)) break;
    e++;
  }
  return e;
}

function watchedName(text: string, start: number, end: number): WatchedName | undefined {
  const length = end - start;
  if (length !== 8 && length !== 10 && length !== 13) return undefined;
  const name = text.slice(start, end);
  return WATCHED.has(name) ? (name as WatchedName) : undefined;
}

function skipBlank(text: string, p: number, to: number): number {
  while (p < to && (text[p] === ' ' || text[p] === '\t' || text[p] === '\\' || text[p] === '\n' || text[p] === '\r')) p++;
  return p;
}

function assignmentValue(text: string, st: Statement, valueStart: number, lines: LineIndex): RevisionAssignment {
  const value = parseLiteralValue(text, valueStart, st.end);
  const vs = value ? value.start : skipSpace(text, valueStart, st.end);
  const ve = value ? value.end : trimEnd(text, vs, st.end);
  const assignment: RevisionAssignment = {
    ids: undefined,
    isNone: false,
    text: detach(text.slice(vs, ve)),
    range: lines.rangeOf(st.start, trimEnd(text, st.start, st.end)),
    valueRange: lines.rangeOf(vs, ve),
    literals: [],
  };
  if (value?.kind === 'none') {
    assignment.ids = [];
    assignment.isNone = true;
  } else if (value?.kind === 'string') {
    assignment.ids = [value.value];
    assignment.literals = [{ value: value.value, range: lines.rangeOf(value.start, value.end) }];
  } else if (value?.kind === 'sequence') {
    assignment.ids = value.items.map((x) => x.value);
    assignment.literals = value.items.map((x) => ({ value: x.value, range: lines.rangeOf(x.start, x.end) }));
  }
  return assignment;
}

/** Finds a top-level `=` (not `==`, `<=`, `>=`, `!=`) between from and to, or -1. */
function topLevelEquals(text: string, from: number, to: number): number {
  let depth = 0;
  for (let p = from; p < to; p++) {
    const c = text[p]!;
    if (c === '"' || c === "'") {
      const e = findStringLiteralEnd(text, p);
      if (e < 0) return -1;
      p = e - 1;
    } else if (c === '#') {
      const e = text.indexOf('\n', p);
      p = e < 0 ? to : e;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '=' && depth === 0) {
      const prev = text[p - 1];
      if (text[p + 1] === '=' || prev === '<' || prev === '>' || prev === '!' || prev === '=') continue;
      return p;
    }
  }
  return -1;
}

function skipSpace(text: string, p: number, to: number): number {
  while (p < to && /\s/.test(text[p]!)) p++;
  return p;
}

/** The end of the last token in text[from, to): trailing comments and whitespace are left out. */
function trimEnd(text: string, from: number, to: number): number {
  let last = from;
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39) {
      const e = findStringLiteralEnd(text, p);
      if (e < 0) return to;
      last = p = e;
      p--;
    } else if (c === 35) {
      const e = text.indexOf('\n', p);
      p = e < 0 ? to : e;
    } else if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 92) last = p + 1;
  }
  return last;
}

export type { Range };
