import type { ChangedRange, SyntaxNodeRef } from '@lezer/common';
import type { LineIndex } from './positions';
import type { KnownClean } from './syntaxProblems';
import type { OpCall, SqlString } from './types';

/**
 * What the statements of the migration functions yielded at the last parse, so that a
 * keystroke extracts only the statements it touched.
 *
 * The unit is a statement directly in a migration function's body (a whole `with` or `if`
 * block counts as one). Such a statement's op calls and SQL strings depend on its own text
 * and syntax, on the module's op aliases, and on name bindings; nothing else reaches into it,
 * since the blocks that change how calls are read (batch_alter_table, autocommit_block) are
 * statements themselves. The cache therefore keeps only statements that neither look a name
 * up nor bind one, and reuses a statement when the new tree has a node of the same type over
 * the same text, outside every edit. Its results then differ only in position, and since the
 * statement starts at the same column, only by a whole number of lines.
 *
 * Results are reused as the same objects when the statement did not move by a line, and as
 * shifted copies of the results of the parse that extracted it otherwise, so positions stay
 * exact however many edits pass and copies never chain. The cache also remembers which
 * statements hold no syntax fault, so that the search for the file's first fault skips them.
 */

/** The op calls and SQL strings of one statement, in source order. */
export interface StatementResult {
  opCalls: readonly OpCall[];
  sql: readonly SqlString[];
}

/** One cached statement. Entries are not changed once made (but for `clean`); a parse makes new ones. */
interface Entry {
  /** Where the statement started in the text of the parse that made this entry. */
  from: number;
  length: number;
  /** `NodeType.id` of the statement's node. */
  type: number;
  line: number;
  character: number;
  /** The results as that parse published them. */
  result: StatementResult;
  /** The results as first extracted, at `baseLine`; every shifted copy is made from these. */
  base: StatementResult;
  baseLine: number;
  /** The parse that extracted `base`. */
  generation: number;
  /**
   * The statement was searched for syntax faults and has none. Set after the entry is made,
   * once the search has passed it; true for one parse is true for every parse that reuses it.
   */
  clean: boolean;
}

/** Makes the copy of `base` that lies `lines` lines further down. */
export type Shift = (base: StatementResult, lines: number) => StatementResult;

/**
 * Results extracted by parses long past keep those parses' text and syntax tree alive (their
 * strings are slices of that text, and arguments not read yet are computed from that tree).
 * When the cache holds results of more parses than this, all but the parse with the most
 * statements are extracted again, which costs about as much as the statements edited since.
 */
export const MAX_GENERATIONS = 16;

/** The cache as a parse leaves it, for the next parse of the same document. */
export class StatementCache {
  /** Increases with every parse of the document. */
  readonly generation: number;
  /** @internal In source order, for the next parse's {@link StatementReuse}. */
  readonly entries: Entry[] = [];
  private readonly countsByGeneration = new Map<number, number>();
  private runGeneration = -1;
  private runLength = 0;
  /** @internal The module's op aliases, which every statement's results depend on. */
  opNames = '';

  /** An empty cache for the parse that follows `previous`. */
  constructor(previous?: StatementCache) {
    this.generation = (previous?.generation ?? 0) + 1;
  }

  /**
   * The statements this parse knows to be free of syntax faults, for `findSyntaxProblem`,
   * which records those it finds free. Call once all statements are in.
   */
  knownClean(): KnownClean {
    return new CleanStatements(this.entries);
  }

  /** @internal */
  push(entry: Entry): void {
    this.entries.push(entry);
    // Neighbouring statements nearly always come from the same parse, so the count of a run
    // of them is added at once.
    if (entry.generation !== this.runGeneration) {
      this.flush();
      this.runGeneration = entry.generation;
    }
    this.runLength++;
  }

  /** @internal Entries per generation, to keep the number of generations bounded. */
  get counts(): ReadonlyMap<number, number> {
    this.flush();
    return this.countsByGeneration;
  }

  private flush(): void {
    if (this.runLength === 0) return;
    const counts = this.countsByGeneration;
    counts.set(this.runGeneration, (counts.get(this.runGeneration) ?? 0) + this.runLength);
    this.runLength = 0;
  }
}

/**
 * One parse's use of the previous parse's cache: finds reusable statements and fills the
 * cache of this parse. Statements must be visited in source order.
 */
export class StatementReuse {
  private readonly previous: readonly Entry[];
  private readonly edits: EditMap;
  /** The only generation whose entries are reused when too many are alive; -1 for any. */
  private readonly onlyGeneration: number;
  private cursor = 0;

  constructor(
    previous: StatementCache | undefined,
    private readonly next: StatementCache,
    changes: readonly ChangedRange[],
    private readonly lines: LineIndex,
    opNames: ReadonlySet<string>,
    private readonly shift: Shift,
  ) {
    next.opNames = [...opNames].sort().join(' ');
    this.previous = previous && previous.opNames === next.opNames ? previous.entries : [];
    this.edits = new EditMap(changes);
    this.onlyGeneration = previous && previous.counts.size > MAX_GENERATIONS ? largest(previous.counts) : -1;
  }

  /**
   * The results of the statement `node` when the previous parse saw the same statement,
   * recorded for the next parse as well; undefined when it has to be extracted.
   */
  reuse(node: SyntaxNodeRef): StatementResult | undefined {
    const old = this.edits.oldOffset(node.from, node.to);
    if (old < 0) return undefined;
    const entries = this.previous;
    while (this.cursor < entries.length && entries[this.cursor].from < old) this.cursor++;
    const entry = entries[this.cursor];
    if (!entry || entry.from !== old || entry.length !== node.to - node.from || entry.type !== node.type.id) return undefined;
    if (this.onlyGeneration >= 0 && entry.generation !== this.onlyGeneration) return undefined;
    // A statement never starts inside a line break, so its line and column are simply these.
    const line = this.lines.lineAt(node.from);
    if (node.from - this.lines.lineStart(line) !== entry.character) return undefined;
    if (line === entry.line && node.from === entry.from) {
      this.next.push(entry);
      return entry.result;
    }
    const result = line === entry.line ? entry.result : this.shift(entry.base, line - entry.baseLine);
    this.next.push(moved(entry, node.from, line, result));
    return result;
  }

  /** Records a statement that was just extracted and may be reused by the next parse. */
  extracted(node: SyntaxNodeRef, result: StatementResult): void {
    const at = this.lines.positionAt(node.from);
    this.next.push({
      from: node.from,
      length: node.to - node.from,
      type: node.type.id,
      line: at.line,
      character: at.character,
      result,
      base: result,
      baseLine: at.line,
      generation: this.next.generation,
      clean: false,
    });
  }
}

/** `entry` at its place in a new parse; written out so that every entry has the same shape. */
function moved(entry: Entry, from: number, line: number, result: StatementResult): Entry {
  return {
    from,
    length: entry.length,
    type: entry.type,
    line,
    character: entry.character,
    result,
    base: entry.base,
    baseLine: entry.baseLine,
    generation: entry.generation,
    clean: entry.clean,
  };
}

/**
 * Matches the nodes the syntax search enters against the cached statements; both go in
 * source order, so one forward cursor finds each statement's entry.
 */
class CleanStatements implements KnownClean {
  private cursor = 0;
  /** The statement being searched, to mark when the search leaves it without a fault. */
  private open: Entry | undefined;

  constructor(private readonly entries: readonly Entry[]) {}

  isClean(node: SyntaxNodeRef): boolean {
    const entry = this.entryAt(node);
    if (!entry) return false;
    if (entry.clean) return true;
    this.open = entry;
    return false;
  }

  searched(node: SyntaxNodeRef): void {
    const open = this.open;
    if (open && open.from === node.from && open.length === node.to - node.from && open.type === node.type.id) {
      open.clean = true;
      this.open = undefined;
    }
  }

  private entryAt(node: SyntaxNodeRef): Entry | undefined {
    const entries = this.entries;
    while (this.cursor < entries.length && entries[this.cursor].from < node.from) this.cursor++;
    const entry = entries[this.cursor];
    return entry && entry.from === node.from && entry.length === node.to - node.from && entry.type === node.type.id ? entry : undefined;
  }
}

function largest(counts: ReadonlyMap<number, number>): number {
  let best = -1;
  let most = -1;
  for (const [generation, count] of counts) {
    if (count > most) {
      best = generation;
      most = count;
    }
  }
  return best;
}

/**
 * Maps a range of the new text back to the old one across the edits between them (lezer's
 * `ChangedRange`s, sorted, in old and new offsets).
 */
export class EditMap {
  constructor(private readonly changes: readonly ChangedRange[]) {}

  /**
   * Where the new text's `[from, to)` started in the old text, or -1 when an edit overlaps or
   * touches it: text typed right next to a statement may belong to it.
   */
  oldOffset(from: number, to: number): number {
    let shift = 0;
    for (const c of this.changes) {
      if (to < c.fromB) return from - shift;
      if (from <= c.toB) return -1;
      shift = c.toB - c.toA;
    }
    return from - shift;
  }
}
