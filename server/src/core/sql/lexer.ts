/**
 * A small PostgreSQL lexer that knows only what is needed to treat SQL as text safely: where
 * string literals, quoted identifiers, comments and dollar-quoted bodies are, where the
 * top-level semicolons are, and which colons SQLAlchemy's `text()` reads as bind parameters.
 */

export interface SqlRegion {
  kind: 'string' | 'identifier' | 'comment' | 'dollar';
  start: number;
  end: number;
  /** For dollar quotes, the body between the opening and the closing tag. */
  bodyStart?: number;
  bodyEnd?: number;
}

export interface BindParameter {
  /** Offset of the colon. */
  start: number;
  end: number;
  name: string;
  /**
   * True when SQLAlchemy's regex gave up characters of the name because a colon followed, as
   * in `:name::int`, which SQLAlchemy reads as the parameter `:nam` followed by `e::int`.
   */
  truncated: boolean;
}

export interface SqlLexResult {
  regions: SqlRegion[];
  /** Offsets of the semicolons outside literals and comments. */
  semicolons: number[];
  binds: BindParameter[];
  /** Offsets of the backslashes of `\:`, which `text()` turns into a literal colon. */
  escapedColons: number[];
}

// ASCII is answered without the Unicode regexes, which are slow enough to dominate lexing.
const isWordChar = (c: string | undefined): boolean => {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) return isAsciiLetter(code) || (code >= 48 && code <= 57) || code === 95;
  return /[\p{L}\p{N}_]/u.test(c);
};
const isIdentStart = (c: string | undefined): boolean => {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) return isAsciiLetter(code) || code === 95;
  return /[\p{L}_]/u.test(c);
};
const isAsciiLetter = (code: number): boolean => (code | 0x20) >= 97 && (code | 0x20) <= 122;

/**
 * Lexes `sql`. With `textBinds`, colons are SQLAlchemy bind parameters (`text()` and
 * `op.execute` strings); without, the SQL goes to the driver as it is, and psycopg's `%s` and
 * `%(name)s` placeholders are the parameters.
 */
export function lexSql(sql: string, textBinds: boolean): SqlLexResult {
  const result: SqlLexResult = { regions: [], semicolons: [], binds: [], escapedColons: [] };
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? n : nl;
      result.regions.push({ kind: 'comment', start: i, end });
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = blockCommentEnd(sql, i);
      result.regions.push({ kind: 'comment', start: i, end });
      i = end;
    } else if (c === "'") {
      const escapes = (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isWordChar(sql[i - 2]);
      const end = quotedEnd(sql, i, "'", escapes);
      result.regions.push({ kind: 'string', start: i, end });
      i = end;
    } else if (c === '"') {
      const end = quotedEnd(sql, i, '"', false);
      result.regions.push({ kind: 'identifier', start: i, end });
      i = end;
    } else if (c === '$' && !isWordChar(sql[i - 1]) && sql[i - 1] !== '$') {
      const tag = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(sql.slice(i, i + 64));
      if (!tag) {
        i++;
        continue;
      }
      const bodyStart = i + tag[0].length;
      const close = sql.indexOf(tag[0], bodyStart);
      const bodyEnd = close < 0 ? n : close;
      const end = close < 0 ? n : close + tag[0].length;
      result.regions.push({ kind: 'dollar', start: i, end, bodyStart, bodyEnd });
      i = end;
    } else if (c === ';') {
      result.semicolons.push(i);
      i++;
    } else if (textBinds && c === '\\' && sql[i + 1] === ':') {
      result.escapedColons.push(i);
      i += 2;
    } else if (textBinds && c === ':' && sql[i - 1] !== ':' && !isWordChar(sql[i - 1]) && sql[i - 1] !== '\\') {
      const bind = bindAt(sql, i);
      if (bind) {
        result.binds.push(bind);
        i = bind.end;
      } else {
        i++;
      }
    } else if (!textBinds && c === '%' && !isWordChar(sql[i - 1])) {
      const m = /^%(?:s|\((\w+)\)s)/.exec(sql.slice(i, i + 80));
      if (m) result.binds.push({ start: i, end: i + m[0].length, name: m[1] ?? '', truncated: false });
      i += m ? m[0].length : sql[i + 1] === '%' ? 2 : 1;
    } else if (isIdentStart(c)) {
      // Skipping whole words keeps `a$b$` (an identifier) from being read as a dollar quote.
      let j = i + 1;
      while (j < n && (isWordChar(sql[j]) || sql[j] === '$')) j++;
      i = j;
    } else {
      i++;
    }
  }
  return result;
}

/**
 * SQLAlchemy matches `(?<![:\w\\]):(\w+)(?!:)`, and the regex engine backtracks, so a name
 * followed by a colon loses its last character rather than failing to match.
 */
function bindAt(sql: string, colon: number): BindParameter | undefined {
  let end = colon + 1;
  while (end < sql.length && isWordChar(sql[end])) end++;
  let truncated = false;
  if (sql[end] === ':') {
    end--;
    truncated = true;
  }
  if (end <= colon + 1) return undefined;
  return { start: colon, end, name: sql.slice(colon + 1, end), truncated };
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/**
 * Rewrites what SQLAlchemy's `text()` changes before PostgreSQL sees the SQL, keeping every
 * offset: a bind parameter becomes `$1` padded with spaces (a parameter PostgreSQL accepts
 * wherever a value may stand), and a run of `\:` escapes becomes the colons followed by as many
 * spaces, so `1\:\:int` reads as `1::int`.
 */
export function replaceBinds(sql: string, lex: SqlLexResult): string {
  if (lex.binds.length === 0 && lex.escapedColons.length === 0) return sql;
  const chars = sql.split('');
  for (const b of lex.binds) {
    chars[b.start] = '$';
    chars[b.start + 1] = '1';
    for (let k = b.start + 2; k < b.end; k++) chars[k] = ' ';
  }
  let k = 0;
  const escapes = lex.escapedColons;
  while (k < escapes.length) {
    let runEnd = k;
    while (runEnd + 1 < escapes.length && escapes[runEnd + 1] === escapes[runEnd] + 2) runEnd++;
    const start = escapes[k];
    const count = runEnd - k + 1;
    for (let m = 0; m < count; m++) chars[start + m] = ':';
    for (let m = count; m < 2 * count; m++) chars[start + m] = ' ';
    k = runEnd + 1;
  }
  return chars.join('');
}

/** The region that contains `offset`, if any. */
export function regionAt(regions: readonly SqlRegion[], offset: number): SqlRegion | undefined {
  return regions.find((r) => r.start <= offset && offset < r.end);
}
