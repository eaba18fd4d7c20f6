import { evaluateStringLiteral, findStringLiteralEnd } from '../parse/literals';
import { PYTHON_MAX_BRACKET_DEPTH } from '../parse/nesting';
import { detach } from './detach';

/**
 * A tiny parser for the only values Alembic reads from a revision file: a string (possibly
 * implicitly concatenated), `None`, or a tuple or list of strings, with or without brackets. Anything else is "not a literal", which the caller records as unresolved rather
 * than guessing.
 */

export interface LiteralString {
  kind: 'string';
  value: string;
  start: number;
  end: number;
  /** Each implicitly concatenated piece, prefix and quotes included. */
  pieces: { from: number; to: number }[];
}

export type LiteralValue =
  | LiteralString
  | { kind: 'none'; start: number; end: number }
  | { kind: 'sequence'; items: LiteralString[]; start: number; end: number };

type Token =
  | { t: 'str'; start: number; end: number }
  | { t: 'name'; value: string; start: number; end: number }
  | { t: 'punct'; value: string; start: number; end: number };

function tokenize(text: string, from: number, to: number): Token[] | undefined {
  const out: Token[] = [];
  let p = from;
  while (p < to) {
    const c = text[p]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') p++;
    else if (c === '\\' && (text[p + 1] === '\n' || text[p + 1] === '\r')) p += 2;
    else if (c === '#') {
      const e = text.indexOf('\n', p);
      p = e < 0 || e > to ? to : e;
    } else if (c === '"' || c === "'") {
      const e = findStringLiteralEnd(text, p);
      if (e < 0 || e > to) return undefined;
      out.push({ t: 'str', start: p, end: e });
      p = e;
    } else if (isNameStart(text.charCodeAt(p))) {
      let e = p + 1;
      while (e < to && isNameChar(text.charCodeAt(e))) e++;
      if (e - p <= 2 && (text[e] === '"' || text[e] === "'") && /^[rRuUbBfF]{1,2}$/.test(text.slice(p, e))) {
        // A string prefix: the literal starts at the prefix.
        const se = findStringLiteralEnd(text, e);
        if (se < 0 || se > to) return undefined;
        out.push({ t: 'str', start: p, end: se });
        p = se;
      } else {
        out.push({ t: 'name', value: text.slice(p, e), start: p, end: e });
        p = e;
      }
    } else if ('()[]{},'.includes(c)) {
      out.push({ t: 'punct', value: c, start: p, end: p + 1 });
      p++;
    } else return undefined;
  }
  return out;
}

/**
 * The value of a quoted literal without prefix and without backslashes, which is what almost
 * every revision id looks like; anything else goes through the full evaluator.
 */
function plainStringValue(text: string, start: number, end: number): string | undefined {
  const content = plainContentStart(text, start, end);
  return content === undefined ? undefined : text.slice(content, end - (content - start));
}

/**
 * Where the content of a literal starts when its value is exactly its source text: no prefix,
 * no backslash, and no carriage return (Python reads `\r\n` inside a string as `\n`).
 */
export function plainContentStart(text: string, start: number, end: number): number | undefined {
  const q = text.charCodeAt(start);
  if (q !== 34 && q !== 39) return undefined;
  const quotes = end - start >= 6 && text.charCodeAt(start + 1) === q && text.charCodeAt(start + 2) === q ? 3 : 1;
  for (let p = start + quotes; p < end - quotes; p++) {
    const c = text.charCodeAt(p);
    if (c === 92 || c === 13) return undefined;
  }
  return start + quotes;
}

function evaluated(source: string): string | undefined {
  const ev = evaluateStringLiteral(source);
  return !ev || ev.isBytes || ev.isFString ? undefined : ev.value;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** Parses text[from, to) as a whole expression; undefined when it is not a plain literal. */
export function parseLiteralValue(text: string, from: number, to: number): LiteralValue | undefined {
  const toks = tokenize(text, from, to);
  if (!toks || toks.length === 0) return undefined;
  let i = 0;
  // Brackets nested past Python's limit make a file Python refuses; stopping there also keeps
  // this recursive descent from overflowing the stack.
  let depth = 0;

  const atom = (): LiteralValue | undefined => {
    const tok = toks[i];
    if (!tok) return undefined;
    if (tok.t === 'str') {
      const parts: string[] = [];
      const pieces: { from: number; to: number }[] = [];
      const start = tok.start;
      let end = tok.end;
      while (toks[i]?.t === 'str') {
        const s = toks[i]!;
        const value = plainStringValue(text, s.start, s.end) ?? evaluated(text.slice(s.start, s.end));
        if (value === undefined) return undefined;
        parts.push(value);
        pieces.push({ from: s.start, to: s.end });
        end = s.end;
        i++;
      }
      return { kind: 'string', value: detach(parts.join('')), start, end, pieces };
    }
    if (tok.t === 'name') {
      i++;
      return tok.value === 'None' ? { kind: 'none', start: tok.start, end: tok.end } : undefined;
    }
    // A set (`{...}`) is not taken: Alembic would read its items in an arbitrary order.
    if (tok.value === '(' || tok.value === '[') {
      if (depth >= PYTHON_MAX_BRACKET_DEPTH) return undefined;
      const close = tok.value === '(' ? ')' : ']';
      i++;
      depth++;
      const seq = items(close);
      depth--;
      const end = toks[i];
      if (!seq || !end || end.t !== 'punct' || end.value !== close) return undefined;
      i++;
      // A parenthesised single value without a comma is just that value; `{}` is a dict.
      if (close === ')' && !seq.trailingComma && seq.items.length === 1) return { ...seq.items[0]!, start: tok.start, end: end.end };
      return sequenceOf(seq.items, tok.start, end.end);
    }
    return undefined;
  };

  const items = (close: string | undefined): { items: LiteralValue[]; trailingComma: boolean } | undefined => {
    const out: LiteralValue[] = [];
    let trailingComma = false;
    while (i < toks.length) {
      const tok = toks[i]!;
      if (tok.t === 'punct' && tok.value === close) break;
      const v = atom();
      if (!v) return undefined;
      out.push(v);
      trailingComma = false;
      const sep = toks[i];
      if (sep && sep.t === 'punct' && sep.value === ',') {
        trailingComma = true;
        i++;
      } else break;
    }
    return { items: out, trailingComma };
  };

  const top = items(undefined);
  if (!top || i !== toks.length || top.items.length === 0) return undefined;
  if (top.items.length === 1 && !top.trailingComma) return top.items[0];
  return sequenceOf(top.items, toks[0]!.start, toks[toks.length - 1]!.end);
}

function sequenceOf(items: LiteralValue[], start: number, end: number): LiteralValue | undefined {
  // Alembic's `to_tuple` keeps a tuple's items as they are, so only strings make revision ids.
  if (!items.every((x): x is LiteralString => x.kind === 'string')) return undefined;
  return { kind: 'sequence', items, start, end };
}
