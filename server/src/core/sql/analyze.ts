import { DYNAMIC_PLACEHOLDER } from '../parse/literals';
import type { RevisionFile, SqlString } from '../parse/types';
import type { SqlParser } from '../rules/types';
import { doBlockStatements, type DoGuard } from './doBlocks';
import { lexSql, replaceBinds, type BindParameter, type SqlLexResult } from './lexer';
import { isRecord } from './parser';

/** One statement of an SQL string, with offsets into `SqlString.text`. */
export interface AnalyzedStatement {
  /** The node type, `CreateStmt`, `IndexStmt`, ... */
  kind: string;
  /** The node's fields, as libpg-query returns them. */
  node: Record<string, unknown>;
  start: number;
  end: number;
  /**
   * True when a dynamic part (f-string field, %-formatted value) is inside the statement, so
   * anything the statement seems to lack might come from that part at run time.
   */
  dynamic: boolean;
  /** Set for a statement inside a `DO` block: what protects it from failing. */
  inDo?: DoGuard;
}

export interface AnalyzedSql {
  source: SqlString;
  /** The text PostgreSQL would see, bind parameters replaced, same length as `source.text`. */
  prepared: string;
  lex: SqlLexResult;
  /** Top-level statements, then the statements inside their DO blocks, in text order. */
  statements: AnalyzedStatement[];
  /** The first syntax error, unless it could come from a dynamic part. */
  error?: { message: string; offset: number };
  /** Bind parameters that SQLAlchemy cuts short because a colon follows (`:name::int`). */
  truncatedBinds: BindParameter[];
}

/** An analysis without its SqlString: everything in it follows from the text and two flags. */
type TextAnalysis = Omit<AnalyzedSql, 'source'>;

const bySource = new WeakMap<SqlString, { parser: SqlParser; analyzed: AnalyzedSql }>();
const byText = new WeakMap<SqlParser, RecentCache<TextAnalysis>[]>();

/**
 * How many analyses are kept per parser and kind of string (see {@link analysisKind}): enough
 * for every SQL string of the largest migrations, few enough that a whole-history lint does
 * not keep them all.
 */
const TEXTS_KEPT = 2048;

/**
 * Every SQL string of the file's migration functions, analyzed, in source order; none while
 * PostgreSQL's parser is not loaded (the SQL rules then report nothing rather than guess).
 */
export function* analyzedSqlOf(file: RevisionFile, parser: SqlParser | undefined): Generator<AnalyzedSql> {
  if (!parser) return;
  for (const fn of file.functions) for (const s of fn.sql) yield analyzeSql(parser, s);
}

/**
 * Parses one SQL string as PostgreSQL would receive it.
 *
 * Several rules look at the same strings, and a keystroke re-parses the file, which makes new
 * SqlString objects for the statements it extracts again although their texts are the same.
 * Analyses are therefore cached by what decides them (the text, whether binds are written
 * SQLAlchemy's way, whether the text has placeholders), and the result for one SqlString is
 * kept with it. Offsets in an analysis are relative to the text, so sharing it between strings
 * in different places is exact.
 */
export function analyzeSql(parser: SqlParser, source: SqlString): AnalyzedSql {
  const mine = bySource.get(source);
  if (mine && mine.parser === parser) return mine.analyzed;
  let caches = byText.get(parser);
  if (!caches) {
    caches = [0, 1, 2, 3].map(() => new RecentCache<TextAnalysis>(TEXTS_KEPT));
    byText.set(parser, caches);
  }
  const cache = caches[analysisKind(source)];
  let analysis = cache.get(source.text);
  if (!analysis) {
    analysis = analyzeText(parser, source.text, textBinds(source), source.dynamic);
    cache.set(source.text, analysis);
  }
  const analyzed: AnalyzedSql = { source, ...analysis };
  bySource.set(source, { parser, analyzed });
  return analyzed;
}

// op.execute wraps a plain string in text(), so both use SQLAlchemy's bind syntax; a raw
// connection string goes to the driver as it is.
function textBinds(source: SqlString): boolean {
  return source.wrappedInText || source.via === 'op.execute';
}

/** The two inputs of an analysis besides the text, as an index into the caches. */
function analysisKind(source: SqlString): number {
  return (textBinds(source) ? 1 : 0) + (source.dynamic ? 2 : 0);
}

function analyzeText(parser: SqlParser, text: string, binds: boolean, dynamic: boolean): TextAnalysis {
  const lex = lexSql(text, binds);
  const prepared = replaceBinds(text, lex);
  const placeholders = dynamic ? placeholderOffsets(text) : [];
  const hasPlaceholder = (from: number, to: number): boolean => placeholders.some((p) => p + DYNAMIC_PLACEHOLDER.length > from && p < to);
  const result: TextAnalysis = {
    prepared,
    lex,
    statements: [],
    truncatedBinds: lex.binds.filter((b) => b.truncated),
  };

  const whole = parser.parse(prepared);
  const top: { stmt: Record<string, unknown>; start: number; end: number }[] = [];
  if ('statements' in whole) {
    for (const s of whole.statements) top.push({ stmt: s.stmt, start: s.location, end: s.location + s.length });
  } else {
    // The parser reads left to right, so an error cannot depend on a dynamic part that comes
    // after it in the text; one before it, in the same statement, might have caused it.
    const pieceStart = pieceContaining(lex.semicolons, whole.error.offset);
    if (!hasPlaceholder(pieceStart, whole.error.offset + 1)) result.error = whole.error;
    // The statements that do parse are still worth linting, so each piece is tried alone.
    for (const [from, to] of pieces(lex.semicolons, prepared.length)) {
      const part = parser.parse(prepared.slice(from, to));
      if (!('statements' in part)) continue;
      for (const s of part.statements) top.push({ stmt: s.stmt, start: from + s.location, end: from + s.location + s.length });
    }
  }

  for (const t of top) {
    const entry = Object.entries(t.stmt)[0];
    if (!entry || !isRecord(entry[1])) continue;
    const [kind, node] = entry;
    result.statements.push({ kind, node, start: t.start, end: t.end, dynamic: hasPlaceholder(t.start, t.end) });
    if (kind === 'DoStmt') {
      for (const inner of doBlockStatements(parser, prepared, lex, t.start, t.end, node)) {
        result.statements.push({ ...inner, dynamic: hasPlaceholder(inner.start, inner.end) || hasPlaceholder(t.start, t.end) });
      }
    }
  }
  return result;
}

function placeholderOffsets(text: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(DYNAMIC_PLACEHOLDER); i >= 0; i = text.indexOf(DYNAMIC_PLACEHOLDER, i + 1)) found.push(i);
  return found;
}

function pieceContaining(semicolons: readonly number[], offset: number): number {
  let start = 0;
  for (const s of semicolons) {
    if (s < offset) start = s + 1;
    else break;
  }
  return start;
}

function pieces(semicolons: readonly number[], length: number): [number, number][] {
  const result: [number, number][] = [];
  let start = 0;
  for (const s of semicolons) {
    result.push([start, s]);
    start = s + 1;
  }
  result.push([start, length]);
  return result;
}

/** The name of a `RangeVar` node (`schema.table`), or undefined. */
export function rangeVarName(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const rv = isRecord(value.RangeVar) ? value.RangeVar : value;
  if (typeof rv.relname !== 'string') return undefined;
  return typeof rv.schemaname === 'string' ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

/** Joins a list of `String` nodes (a qualified name) with dots. */
export function qualifiedName(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const parts: string[] = [];
  for (const item of value) {
    if (isRecord(item) && isRecord(item.String) && typeof item.String.sval === 'string') parts.push(item.String.sval);
    else return undefined;
  }
  return parts.join('.');
}

/**
 * A map that keeps the entries used lately, at most twice `limit` of them: when one
 * generation fills up, the older one is dropped, and an entry read from the older one moves
 * to the current one. Cheaper than exact least-recently-used order, which re-inserts on
 * every read.
 */
class RecentCache<V> {
  private current = new Map<string, V>();
  private older = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.older.get(key);
    if (old !== undefined) {
      this.older.delete(key);
      this.set(key, old);
    }
    return old;
  }

  set(key: string, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= this.limit) {
      this.older = this.current;
      this.current = new Map();
    }
  }
}
