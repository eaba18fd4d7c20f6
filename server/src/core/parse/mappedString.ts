/**
 * A string value that remembers where each of its characters came from in the source file.
 *
 * Evaluating a Python literal changes lengths (escapes, line continuations, quotes, prefixes,
 * implicit concatenation, placeholders for dynamic parts), yet diagnostics found in the value
 * must land on the right spot in the file. The value is therefore stored as runs: an exact
 * run copies source characters one for one, an opaque run (an escape sequence, a placeholder)
 * maps every character it produced to the start of the source text that produced it.
 */
export class MappedString {
  private constructor(
    readonly value: string,
    /** Value offset where each run starts; runs are never empty. */
    private readonly runStart: readonly number[],
    private readonly runSource: readonly number[],
    private readonly runSourceEnd: readonly number[],
    private readonly runExact: readonly boolean[],
    /** Source offset reported for an empty value. */
    private readonly emptyAt: number,
  ) {}

  static empty(sourceOffset: number): MappedString {
    return new MappedString('', [], [], [], [], sourceOffset);
  }

  get length(): number {
    return this.value.length;
  }

  /** Source offset of the character at `offset`; the end of the value maps past its last run. */
  sourceAt(offset: number): number {
    const n = this.runStart.length;
    if (n === 0) return this.emptyAt;
    if (offset >= this.value.length) return this.runSourceEnd[n - 1];
    const i = this.runIndex(Math.max(0, offset));
    return this.runExact[i] ? this.runSource[i] + (offset - this.runStart[i]) : this.runSource[i];
  }

  /**
   * Source offset just after the character before `offset`. Range ends use this so that a
   * range never swallows a line continuation or the gap between two concatenated pieces.
   */
  sourceEndAt(offset: number): number {
    if (offset <= 0 || this.runStart.length === 0) return this.sourceAt(0);
    const last = Math.min(offset, this.value.length) - 1;
    const i = this.runIndex(last);
    return this.runExact[i] ? this.runSource[i] + (last + 1 - this.runStart[i]) : this.runSourceEnd[i];
  }

  slice(from: number, to: number = this.value.length): MappedString {
    const start = Math.max(0, Math.min(from, this.value.length));
    const end = Math.max(start, Math.min(to, this.value.length));
    if (start === end) return MappedString.empty(this.sourceAt(start));
    const b = new MappedStringBuilder(this.sourceAt(start));
    for (let i = this.runIndex(start); i < this.runStart.length; i++) {
      const runFrom = Math.max(this.runStart[i], start);
      const runTo = Math.min(this.runEnd(i), end);
      if (runFrom >= runTo) break;
      const text = this.value.slice(runFrom, runTo);
      if (this.runExact[i]) b.exact(text, this.runSource[i] + (runFrom - this.runStart[i]));
      else b.opaque(text, this.runSource[i], this.runSourceEnd[i]);
    }
    return b.build();
  }

  /** Appends every run of `other` to `builder`, keeping their source offsets. */
  appendTo(builder: MappedStringBuilder): void {
    for (let i = 0; i < this.runStart.length; i++) {
      const text = this.value.slice(this.runStart[i], this.runEnd(i));
      if (this.runExact[i]) builder.exact(text, this.runSource[i]);
      else builder.opaque(text, this.runSource[i], this.runSourceEnd[i]);
    }
  }

  static concat(parts: readonly MappedString[]): MappedString {
    if (parts.length === 1) return parts[0];
    const b = new MappedStringBuilder(parts.length > 0 ? parts[0].sourceAt(0) : 0);
    for (const p of parts) p.appendTo(b);
    return b.build();
  }

  private runEnd(i: number): number {
    return i + 1 < this.runStart.length ? this.runStart[i + 1] : this.value.length;
  }

  private runIndex(offset: number): number {
    const starts = this.runStart;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** @internal Used by the builder only. */
  static fromRuns(
    value: string,
    runStart: number[],
    runSource: number[],
    runSourceEnd: number[],
    runExact: boolean[],
    emptyAt: number,
  ): MappedString {
    return new MappedString(value, runStart, runSource, runSourceEnd, runExact, emptyAt);
  }
}

/** Accumulates runs; adjacent exact runs that are also adjacent in the source are merged. */
export class MappedStringBuilder {
  private readonly parts: string[] = [];
  private length = 0;
  private readonly runStart: number[] = [];
  private readonly runSource: number[] = [];
  private readonly runSourceEnd: number[] = [];
  private readonly runExact: boolean[] = [];

  constructor(private readonly emptyAt: number) {}

  /** Characters copied verbatim from source offset `source` onwards. */
  exact(text: string, source: number): void {
    if (text.length === 0) return;
    const last = this.runStart.length - 1;
    if (last >= 0 && this.runExact[last] && this.runSourceEnd[last] === source) {
      this.runSourceEnd[last] = source + text.length;
    } else {
      this.push(source, source + text.length, true);
    }
    this.parts.push(text);
    this.length += text.length;
  }

  /** Characters produced by the source text [source, sourceEnd) without a 1:1 relation. */
  opaque(text: string, source: number, sourceEnd: number): void {
    if (text.length === 0) return;
    this.push(source, sourceEnd, false);
    this.parts.push(text);
    this.length += text.length;
  }

  build(): MappedString {
    return MappedString.fromRuns(
      this.parts.join(''),
      this.runStart,
      this.runSource,
      this.runSourceEnd,
      this.runExact,
      this.emptyAt,
    );
  }

  private push(source: number, sourceEnd: number, exact: boolean): void {
    this.runStart.push(this.length);
    this.runSource.push(source);
    this.runSourceEnd.push(sourceEnd);
    this.runExact.push(exact);
  }
}
