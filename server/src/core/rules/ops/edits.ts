import { lineIndexOf } from '../../parse';
import type { OpCall, RevisionFile } from '../../parse/types';
import type { TextEdit } from '../types';

/** The leading whitespace of a line of the file. */
export function indentOf(file: RevisionFile, line: number): string {
  const lines = lineIndexOf(file);
  const start = lines.lineStart(line);
  return /^[ \t]*/.exec(file.text.slice(start, start + 200))![0];
}

/**
 * An edit that adds the keyword argument `argument` (`if_exists=True`) as the last argument of
 * `call`, in the call's own layout: on one line it goes after the last argument; when the
 * closing parenthesis sits on its own line after a trailing comma, it gets a line of its own
 * with the indentation of the last argument, after any comment there. Undefined for a call
 * without arguments or whose text does not end in a parenthesis.
 */
export function appendArgumentEdit(file: RevisionFile, call: OpCall, argument: string): TextEdit | undefined {
  const lines = lineIndexOf(file);
  const last = call.args[call.args.length - 1];
  const close = lines.offsetAt(call.range.end) - 1;
  if (!last || file.text[close] !== ')') return undefined;
  const lastEnd = lines.offsetAt(last.range.end);
  // In a call the parser recovered from, the last argument can run to the end of the call, and
  // the `)` there closes a call inside it; such a call has no closing parenthesis to append at.
  if (lastEnd > close) return undefined;
  const between = file.text.slice(lastEnd, close);
  const code = between
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  const closeLine = lines.positionAt(close).line;
  if (closeLine === last.range.end.line) {
    // The closing parenthesis shares the last argument's line: `("t")`, `("t", )`, `("t",)`.
    if (!/^[ \t]*,?[ \t]*$/.test(code)) return undefined;
    return { range: { start: last.range.end, end: lines.positionAt(close) }, newText: `, ${argument}` };
  }
  const comma = code.indexOf(',');
  if (comma < 0) return { range: { start: last.range.end, end: last.range.end }, newText: `, ${argument}` };
  const commaLine = lines.positionAt(lastEnd + comma).line;
  const lineEnd = lines.offsetAt({ line: commaLine + 1, character: 0 }) - 1;
  const at = lines.positionAt(file.text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd);
  const eol = file.text[lineEnd - 1] === '\r' ? '\r\n' : '\n';
  return { range: { start: at, end: at }, newText: `${eol}${indentOf(file, last.range.start.line)}${argument},` };
}
