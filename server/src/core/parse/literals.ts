import { MappedString, MappedStringBuilder } from './mappedString';
import { lookupUnicodeName } from './unicodeNames';

/**
 * What stands in for a part of a string that is only known when Python runs: an f-string
 * replacement field, a `%s` filled by `%`, a `{}` filled by `.format()`. It is a plain SQL
 * identifier so that the surrounding SQL still parses in most positions (a table name, a
 * column, a value, inside quotes) and rules can recognise and skip it.
 */
export const DYNAMIC_PLACEHOLDER = '__dynamic__';

/** The value of one Python string literal. */
export interface StringLiteralValue {
  /**
   * The value as Python evaluates it. Bytes are given one character per byte (code points
   * 0-255). For f-strings, each replacement field is replaced by {@link DYNAMIC_PLACEHOLDER}.
   */
  value: string;
  isBytes: boolean;
  isFString: boolean;
}

/** A literal's value together with where each character of it came from. */
export interface MappedLiteral {
  value: MappedString;
  isBytes: boolean;
  isFString: boolean;
  /** An f-string with at least one replacement field, so the value has placeholders. */
  dynamic: boolean;
}

/**
 * Evaluates one Python string literal given as its full source text, prefix and quotes
 * included (`r"\d+"`, `b'\x00'`, `"""..."""`, `f"{x}"`), like the Python 3 compiler would.
 *
 * Handles the prefixes r, u, b, f and their combinations in any case; every escape sequence
 * (`\n` and friends, octal, `\x`, `\u`, `\U`, `\N{...}` for a common subset of names) except
 * in raw strings; backslash-newline continuations; `\r\n` and `\r` inside the literal turning
 * into `\n` as Python's universal newlines do; `{{`/`}}` and replacement fields of f-strings.
 *
 * Returns undefined when the text is not a single well-formed literal or when Python would
 * reject it (unknown prefix, missing closing quote, truncated `\x`/`\u`/`\U`, a lone `}` in
 * an f-string, a non-ASCII character in bytes).
 */
export function evaluateStringLiteral(source: string): StringLiteralValue | undefined {
  const r = evaluateStringLiteralAt(source, 0, source.length);
  return r && { value: r.value.value, isBytes: r.isBytes, isFString: r.isFString };
}

/**
 * Like {@link evaluateStringLiteral} for the literal occupying `text[from, to)`, keeping for
 * each character of the value its offset in `text` (see {@link MappedString.sourceAt}).
 */
export function evaluateStringLiteralAt(text: string, from: number, to: number): MappedLiteral | undefined {
  let i = from;
  while (i < to && isPrefixLetter(text.charCodeAt(i))) i++;
  const prefix = text.slice(from, i).toLowerCase();
  if (!VALID_PREFIXES.has(prefix)) return undefined;
  const quote = text[i];
  if (quote !== '"' && quote !== "'") return undefined;
  const quoteLength = text.startsWith(quote.repeat(3), i) && to - i >= 6 ? 3 : 1;
  const contentStart = i + quoteLength;
  const contentEnd = to - quoteLength;
  if (contentEnd < contentStart || text.slice(contentEnd, to) !== quote.repeat(quoteLength)) return undefined;
  if (endsWithOddBackslashes(text, contentStart, contentEnd)) return undefined;

  const raw = prefix.includes('r');
  const isBytes = prefix.includes('b');
  const isFString = prefix.includes('f');
  // Most literals in a migration are plain names and SQL without escapes: one exact run.
  if (isPlainContent(text, contentStart, contentEnd, quote.charCodeAt(0), isFString, isBytes)) {
    const b = new MappedStringBuilder(contentStart);
    b.exact(text.slice(contentStart, contentEnd), contentStart);
    return { value: b.build(), isBytes, isFString, dynamic: false };
  }
  const b = new MappedStringBuilder(contentStart);
  let dynamic = false;
  let runStart = contentStart;
  let p = contentStart;
  const flush = (end: number): void => {
    if (end > runStart) b.exact(text.slice(runStart, end), runStart);
  };
  const quoteCode = quote.charCodeAt(0);
  while (p < contentEnd) {
    const ch = text.charCodeAt(p);
    if (ch === quoteCode && (quoteLength === 1 || text.startsWith(quote.repeat(3), p))) {
      // The literal would have ended here: the text is more than one literal.
      return undefined;
    } else if (quoteLength === 1 && (ch === 10 || ch === 13)) {
      return undefined;
    } else if (ch === 13 /* \r */) {
      flush(p);
      const next = text.charCodeAt(p + 1) === 10 ? p + 2 : p + 1;
      b.opaque('\n', p, next);
      p = runStart = next;
    } else if (ch === 92 /* \ */ && !raw) {
      flush(p);
      const esc = decodeEscape(text, p, contentEnd, isBytes);
      if (!esc) return undefined;
      b.opaque(esc.value, p, esc.end);
      p = runStart = esc.end;
    } else if (ch === 92 && raw) {
      // A raw string keeps its backslashes, yet a backslash still stops the next quote or
      // backslash from ending the literal; a brace after it still opens an f-string field.
      const next = text.charCodeAt(p + 1);
      if (next === 13) {
        // Backslash-newline stays in a raw string, with the newline normalised like any other.
        flush(p + 1);
        const after = text.charCodeAt(p + 2) === 10 ? p + 3 : p + 2;
        b.opaque('\n', p + 1, after);
        p = runStart = after;
      } else {
        p += next === quoteCode || next === 92 || next === 10 ? 2 : 1;
      }
    } else if (isFString && (ch === 123 /* { */ || ch === 125) /* } */) {
      flush(p);
      if (text.charCodeAt(p + 1) === ch) {
        b.opaque(ch === 123 ? '{' : '}', p, p + 2);
        p = runStart = p + 2;
      } else if (ch === 125) {
        return undefined;
      } else {
        const close = findReplacementFieldEnd(text, p, contentEnd);
        if (close < 0) return undefined;
        b.opaque(DYNAMIC_PLACEHOLDER, p, close + 1);
        dynamic = true;
        p = runStart = close + 1;
      }
    } else if (isBytes && ch > 0x7f) {
      return undefined;
    } else {
      p++;
    }
  }
  flush(contentEnd);
  return { value: b.build(), isBytes, isFString, dynamic };
}

/**
 * The offset just past the string literal starting at `start` (at its prefix or opening
 * quote), or -1 when it is not closed before the end of `text` (or, for a one-quote literal,
 * before the end of the line). Meant for scanners that find literals without a parser.
 */
export function findStringLiteralEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && isPrefixLetter(text.charCodeAt(i))) i++;
  const quote = text[i];
  if (quote !== '"' && quote !== "'") return -1;
  const triple = text.startsWith(quote.repeat(3), i);
  let p = i + (triple ? 3 : 1);
  while (p < text.length) {
    const ch = text[p];
    if (ch === '\\') {
      p += text.startsWith('\r\n', p + 1) ? 3 : 2;
    } else if (!triple && (ch === '\n' || ch === '\r')) {
      return -1;
    } else if (ch === quote && (!triple || text.startsWith(quote.repeat(3), p))) {
      return p + (triple ? 3 : 1);
    } else {
      p++;
    }
  }
  return -1;
}

/** Content that evaluates to itself: no backslash, carriage return, quote, brace (f-strings) or non-ASCII (bytes). */
function isPlainContent(text: string, from: number, to: number, quote: number, isFString: boolean, isBytes: boolean): boolean {
  for (let i = from; i < to; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 92 || ch === 13 || ch === quote || ch === 10) return false;
    if (isFString && (ch === 123 || ch === 125)) return false;
    if (isBytes && ch > 0x7f) return false;
  }
  return true;
}

const VALID_PREFIXES = new Set(['', 'r', 'u', 'b', 'br', 'rb', 'f', 'fr', 'rf']);

function isPrefixLetter(ch: number): boolean {
  const lower = ch | 0x20;
  return lower === 0x72 || lower === 0x75 || lower === 0x62 || lower === 0x66; // r u b f
}

function endsWithOddBackslashes(text: string, from: number, to: number): boolean {
  let n = 0;
  for (let i = to - 1; i >= from && text.charCodeAt(i) === 92; i--) n++;
  return n % 2 === 1;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decodes the escape sequence at `at` (a backslash); undefined when Python rejects it. */
function decodeEscape(
  text: string,
  at: number,
  end: number,
  isBytes: boolean,
): { value: string; end: number } | undefined {
  const c = text[at + 1];
  if (c === '\n') return { value: '', end: at + 2 };
  if (c === '\r') return { value: '', end: text[at + 2] === '\n' ? at + 3 : at + 2 };
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { value: simple, end: at + 2 };
  if (c >= '0' && c <= '7') {
    let j = at + 1;
    while (j < end && j < at + 4 && text[j] >= '0' && text[j] <= '7') j++;
    const code = parseInt(text.slice(at + 1, j), 8);
    return { value: String.fromCharCode(isBytes ? code & 0xff : code), end: j };
  }
  if (c === 'x') return hexEscape(text, at, 2, end);
  if (!isBytes && c === 'u') return hexEscape(text, at, 4, end);
  if (!isBytes && c === 'U') return hexEscape(text, at, 8, end);
  if (!isBytes && c === 'N') {
    if (text[at + 2] !== '{') return undefined;
    const close = text.indexOf('}', at + 3);
    if (close < 0 || close >= end) return undefined;
    return { value: String.fromCodePoint(lookupUnicodeName(text.slice(at + 3, close))), end: close + 1 };
  }
  // Python keeps an unknown escape as it is, backslash included. Only the backslash is
  // consumed so that the next character keeps its meaning (`f"\{x}"` still opens a field).
  return { value: '\\', end: at + 1 };
}

function hexEscape(text: string, at: number, digits: number, end: number): { value: string; end: number } | undefined {
  const hex = text.slice(at + 2, at + 2 + digits);
  if (at + 2 + digits > end || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) return undefined;
  const code = parseInt(hex, 16);
  if (code > 0x10ffff) return undefined;
  return { value: String.fromCodePoint(code), end: at + 2 + digits };
}

/**
 * The offset of the `}` closing the f-string replacement field opened at `open`, or -1.
 * Brackets and nested string literals inside the expression are skipped; after a top-level
 * `:` the format spec may itself contain nested fields (`{x:>{width}}`).
 */
export function findReplacementFieldEnd(text: string, open: number, end: number): number {
  // Each entry is one open replacement field: its bracket depth, and whether it is in its spec.
  const depth: number[] = [0];
  const inSpec: boolean[] = [false];
  let p = open + 1;
  while (p < end) {
    const ch = text[p];
    const top = depth.length - 1;
    if (inSpec[top]) {
      if (ch === '{') {
        depth.push(0);
        inSpec.push(false);
      } else if (ch === '}') {
        depth.pop();
        inSpec.pop();
        if (depth.length === 0) return p;
      }
      p++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const close = findStringLiteralEnd(text, p);
      if (close < 0 || close > end) return -1;
      p = close;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth[top]++;
    else if (ch === ')' || ch === ']') depth[top]--;
    else if (ch === '}') {
      if (depth[top] > 0) depth[top]--;
      else {
        depth.pop();
        inSpec.pop();
        if (depth.length === 0) return p;
      }
    } else if (ch === ':' && depth[top] === 0) inSpec[top] = true;
    p++;
  }
  return -1;
}

/** Evaluates an implicit concatenation (`"a" 'b'`) from its pieces' offsets in `text`. */
export function evaluateConcatenation(
  text: string,
  pieces: readonly { from: number; to: number }[],
): MappedLiteral | undefined {
  const values: MappedString[] = [];
  let isBytes = false;
  let isFString = false;
  let dynamic = false;
  for (let k = 0; k < pieces.length; k++) {
    const r = evaluateStringLiteralAt(text, pieces[k].from, pieces[k].to);
    if (!r) return undefined;
    // Python refuses to concatenate bytes and str literals.
    if (k > 0 && r.isBytes !== isBytes) return undefined;
    isBytes = r.isBytes;
    isFString ||= r.isFString;
    dynamic ||= r.dynamic;
    values.push(r.value);
  }
  if (values.length === 0) return undefined;
  return { value: MappedString.concat(values), isBytes, isFString, dynamic };
}
