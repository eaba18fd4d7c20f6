import type { TextEdit } from '../../core/rules/types';

/**
 * Applies non-overlapping edits to a text; ranges are 0-based lines and UTF-16 columns. Line
 * breaks are `\n`, `\r\n` or `\r`, as LSP counts them.
 */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (ch === 10 || ch === 13) starts.push(i + 1);
  }
  const offset = (p: TextEdit['range']['start']): number => {
    if (p.line >= starts.length) return text.length;
    return Math.min((starts[p.line] ?? text.length) + p.character, p.line + 1 < starts.length ? starts[p.line + 1]! : text.length);
  };
  const sorted = edits.map((e) => ({ start: offset(e.range.start), end: offset(e.range.end), newText: e.newText })).sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
