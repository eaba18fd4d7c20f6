import type { DocstringHeaders } from '../revisionHeader';
import type { Range } from '../types';

const LABELS: readonly [string, keyof DocstringHeaders][] = [
  ['Revision ID:', 'revisionId'],
  ['Revises:', 'revises'],
  ['Create Date:', 'createDate'],
];

/**
 * Reads the `Revision ID:`, `Revises:` and `Create Date:` lines Alembic writes into the
 * module docstring. Alembic itself never reads them back, which is exactly why they go stale;
 * they are reported as written so that a rule can compare them with the real assignments.
 *
 * A header is a line of the evaluated docstring that starts, after optional spaces or tabs,
 * with the label (case-sensitive); the first such line wins. The value is the rest of the
 * line trimmed, possibly empty (`Revises:` of a base revision); its range covers the trimmed
 * value, or is empty just after the colon when the value is empty.
 *
 * `rangeOf` maps offsets in `docstring` to file ranges; both parsers share this function so
 * that they agree on every header.
 */
export function extractDocstringHeaders(
  docstring: string,
  rangeOf: (from: number, to: number) => Range,
): DocstringHeaders {
  const headers: DocstringHeaders = {};
  let lineStart = 0;
  while (lineStart <= docstring.length) {
    let lineEnd = docstring.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = docstring.length;
    let p = lineStart;
    while (p < lineEnd && (docstring[p] === ' ' || docstring[p] === '\t')) p++;
    for (const [label, key] of LABELS) {
      if (headers[key] || !docstring.startsWith(label, p)) continue;
      const afterColon = p + label.length;
      const raw = docstring.slice(afterColon, lineEnd);
      const value = raw.trim();
      const from = value === '' ? afterColon : afterColon + raw.indexOf(value);
      headers[key] = { value, range: rangeOf(from, from + value.length) };
    }
    lineStart = lineEnd + 1;
  }
  return headers;
}
