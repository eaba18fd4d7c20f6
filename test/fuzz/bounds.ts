import type { Position, Range } from '../../server/src/core/types';

/**
 * The "every position stays inside its document" property. A document's lines are split here
 * independently of the product's LineIndex (at `\r\n`, `\r` and `\n`, as LSP does), so that a bug
 * there cannot hide itself.
 */

/** Thrown when a reported position or line lies outside its document: a property violation. */
export class OutOfBounds extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfBounds';
  }
}

export class Document {
  private readonly lineLengths: number[];

  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    this.lineLengths = text.split(/\r\n|\r|\n/).map((line) => line.length);
  }

  get lineCount(): number {
    return this.lineLengths.length;
  }

  position(p: Position, what: string): void {
    const ok =
      Number.isInteger(p.line) &&
      Number.isInteger(p.character) &&
      p.line >= 0 &&
      p.line < this.lineLengths.length &&
      p.character >= 0 &&
      p.character <= this.lineLengths[p.line]!;
    if (!ok) {
      const length = this.lineLengths[p.line];
      throw new OutOfBounds(`${what}: ${p.line}:${p.character} is outside ${this.name} (${this.lineCount} lines${length === undefined ? '' : `, line ${p.line} has ${length} characters`})`);
    }
  }

  range(r: Range, what: string): void {
    this.position(r.start, `${what} start`);
    this.position(r.end, `${what} end`);
    if (r.start.line > r.end.line || (r.start.line === r.end.line && r.start.character > r.end.character)) {
      throw new OutOfBounds(`${what}: ends (${r.end.line}:${r.end.character}) before it starts (${r.start.line}:${r.start.character})`);
    }
  }

  /** A 1-based line number, as configuration and template errors report them. */
  line1(line: number | undefined, what: string): void {
    if (line === undefined) return;
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount) {
      throw new OutOfBounds(`${what}: line ${line} is outside ${this.name} (${this.lineCount} lines)`);
    }
  }
}

/** An offset into a string of `length` UTF-16 units, end included. */
export function offset(value: number, length: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > length) throw new OutOfBounds(`${what}: offset ${value} is outside 0..${length}`);
}
