import type { DocstringHeaders } from '../revisionHeader';
import type { LineIndex } from './lineIndex';

/**
 * The `Revision ID:`, `Revises:` and `Create Date:` lines that Alembic's templates write into
 * the docstring. They are read from the source of the docstring literal, because their ranges
 * must point into the file; the values are the rest of the line, trimmed. The first occurrence
 * of each header counts.
 */
const HEADER = /^[ \t]*(Revision ID|Revises|Create Date):[ \t]*(.*?)[ \t]*(?:"""|''')?[ \t]*\r?$/dgm;

export function extractDocHeaders(text: string, start: number, end: number, lines: LineIndex): DocstringHeaders {
  const out: DocstringHeaders = {};
  for (const m of text.slice(start, end).matchAll(HEADER)) {
    const [vs, ve] = m.indices![2]!;
    const key = m[1] === 'Revision ID' ? 'revisionId' : m[1] === 'Revises' ? 'revises' : 'createDate';
    out[key] ??= { value: m[2]!, range: lines.rangeAt(start + vs, start + ve) };
  }
  return out;
}
