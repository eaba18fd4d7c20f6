import type { Position, Range } from '../types';

/**
 * Offset-to-position conversion for one text. Line starts are computed once so that each
 * lookup is a binary search; the parser converts thousands of offsets per file and a linear
 * scan per lookup would dominate the parse time.
 *
 * Line breaks are `\n`, `\r\n` and a lone `\r`, the same set as LSP, VS Code and Python use.
 * Columns are UTF-16 code units, which is what JavaScript string offsets already are.
 */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    if (text.indexOf('\r') < 0) {
      // The common case; indexOf scans much faster than a loop over every character.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 10) {
          starts.push(i + 1);
        } else if (ch === 13) {
          if (text.charCodeAt(i + 1) === 10) i++;
          starts.push(i + 1);
        }
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The 0-based line containing `offset`; offsets past the end clamp to the last line. */
  lineAt(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  positionAt(offset: number): Position {
    let clamped = Math.max(0, Math.min(offset, this.text.length));
    // The middle of a \r\n is not a position an editor can show; use the end of the line.
    if (this.text.charCodeAt(clamped) === 10 && this.text.charCodeAt(clamped - 1) === 13) clamped--;
    const line = this.lineAt(clamped);
    return { line, character: clamped - this.starts[line] };
  }

  rangeOf(from: number, to: number): Range {
    return { start: this.positionAt(from), end: this.positionAt(to) };
  }

  offsetAt(position: Position): number {
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.lineStart(position.line);
    return Math.min(start + Math.max(0, position.character), this.text.length);
  }
}

/**
 * `range` moved down by `lines` lines (up when negative), columns unchanged: where a piece of
 * text lands when lines are inserted or removed above it and its own lines are untouched.
 */
export function shiftRange(range: Range, lines: number): Range {
  if (lines === 0) return range;
  return { start: shiftPosition(range.start, lines), end: shiftPosition(range.end, lines) };
}

/** See {@link shiftRange}. */
export function shiftPosition(position: Position, lines: number): Position {
  return lines === 0 ? position : { line: position.line + lines, character: position.character };
}
