import type { Position, Range } from '../types';

/**
 * Offset-to-position conversion for one text. Line starts are found lazily, up to the highest
 * offset asked for, because the scanner usually needs positions only near the top of a file.
 */
export class LineIndex {
  private readonly starts: number[] = [0];
  private scanned = 0;

  constructor(private readonly text: string) {}

  private ensure(offset: number): void {
    while (this.scanned <= offset && this.scanned < this.text.length) {
      const nl = this.text.indexOf('\n', this.scanned);
      if (nl < 0) {
        this.scanned = this.text.length;
        break;
      }
      this.starts.push(nl + 1);
      this.scanned = nl + 1;
    }
  }

  positionAt(offset: number): Position {
    this.ensure(offset);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo]! };
  }

  rangeAt(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }
}
