import type { DocstringHeaders } from '../revisionHeader';
import type { LineIndex } from './lineIndex';
import { detach } from './pyLex';

/**
 * The `Revision ID:`, `Revises:` and `Create Date:` lines that Alembic's templates write into
 * the docstring. They are read from the source of the docstring literal, because their ranges
 * must point into the file; the value is the rest of the line, trimmed, without closing quotes
 * when the header is on the docstring's last line. The first occurrence of each header that
 * starts a line (after indentation) counts.
 */
const LABELS = [
  ['Revision ID:', 'revisionId'],
  ['Revises:', 'revises'],
  ['Create Date:', 'createDate'],
] as const;

export function extractDocHeaders(text: string, start: number, end: number, lines: LineIndex): DocstringHeaders {
  const out: DocstringHeaders = {};
  for (const [label, key] of LABELS) {
    for (let at = text.indexOf(label, start); at >= 0 && at < end; at = text.indexOf(label, at + 1)) {
      if (!startsLine(text, at, start)) continue;
      let vs = at + label.length;
      let lineEnd = text.indexOf('\n', vs);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      let ve = lineEnd;
      while (vs < ve && isBlank(text.charCodeAt(vs))) vs++;
      while (ve > vs && isBlank(text.charCodeAt(ve - 1))) ve--;
      if (ve - vs >= 3 && (text.endsWith('"""', ve) || text.endsWith("'''", ve))) {
        ve -= 3;
        while (ve > vs && isBlank(text.charCodeAt(ve - 1))) ve--;
      }
      out[key] = { value: detach(text.slice(vs, ve)), range: lines.rangeAt(vs, ve) };
      break;
    }
  }
  return out;
}

function startsLine(text: string, at: number, floor: number): boolean {
  for (let p = at - 1; p >= floor; p--) {
    const c = text.charCodeAt(p);
    if (c === 10) return true;
    if (c !== 32 && c !== 9) return false;
  }
  // The first line of the docstring starts with the opening quotes, not with a header.
  return false;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}
