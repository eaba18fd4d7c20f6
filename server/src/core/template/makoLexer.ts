import { failed, unsupported } from './errors';

/**
 * A port of Mako 1.x's `Lexer` (mako/lexer.py) for the node kinds revision templates use. The
 * regular expressions are Mako's own, so text, newlines and whitespace around control lines,
 * `<% %>` blocks and escaped newlines come out exactly as Mako produces them. Tags other than
 * `<%text>` and `<%doc>` are refused: they define, include or inherit templates, which a
 * revision template has no use for and we do not reproduce.
 */

export type LexNode =
  | { k: 'text'; text: string }
  | { k: 'expr'; code: string; filters: string; line: number }
  | { k: 'code'; code: string; module: boolean; line: number }
  | { k: 'control'; keyword: string; isEnd: boolean; text: string; line: number };

/** What follows `coding` in Mako's coding comment; when the template's first line is one, it is skipped, not written. */
const CODING_TAIL = /[:=]\s*[-\w.]+/y;
const CONTROL = /[\t ]*(%(?!%)|##)[\t ]*((?:\\\r?\n|[^\r\n])*)(?:\r?\n|$)/y;
const PERCENT = /(\s*)%%(%*)/y;
const DOC = /<%doc>([\s\S]*?)<\/%doc>/y;
const TAG_START = /<%([\w.:]+)((?:\s+\w+|\s*=\s*|"[^"]*?"|'[^']*?'|\s*,\s*)*)\s*(\/)?>/iy;
const TAG_END = /<\/%[\t ]*([^\t ]+?)[\t ]*>/y;
const TEXT_TAG_BODY = /([\s\S]*?)(?=<\/%text>)/y;
const PYTHON_BLOCK = /<%(!)?/y;
const EXPRESSION = /\$\{/y;
const TEXT = /([\s\S]*?)((?<=\n)(?=[ \t]*(?=%|##))|(?=\$\{)|(?=<\/?%)|(\\\r?\n)|$)/y;
const COMMENT_LINE = /#[^\n]*\n/y;
/**
 * Mako's `("""|'''|"|')[^\\]*?(\\.[^\\]*?)*\1` (with re.S), one regex per quote kind, tried in the
 * order the alternation tries them, so that a kind that failed can be skipped alone.
 */
const STRING_KINDS = ['"""', "'''", '"', "'"].map((quote) => ({ quote, re: new RegExp(`${quote}[^\\\\]*?(?:\\\\[\\s\\S][^\\\\]*?)*${quote}`, 'y') }));

const UNTIL_CACHE = new Map<string, { stop: RegExp; scan: RegExp }>();

export class MakoLexer {
  private pos = 0;
  private line = 1;
  private matchedLine = 1;
  readonly nodes: LexNode[] = [];
  private lastNewline: number | undefined;
  /** Quote kinds whose string found no closing quote, and from where (see matchString). */
  private readonly unclosedFrom = new Map<string, number>();

  constructor(private readonly text: string) {}

  /** Lexes the whole template into a flat list of nodes, as Mako's `Lexer.parse` does. */
  parse(): LexNode[] {
    if (this.text.startsWith('#')) this.skipCodingLine();
    for (;;) {
      if (this.pos >= this.text.length) break;
      if (this.matchExpression() || this.matchControlLine() || this.matchDoc() || this.matchTagStart()) continue;
      if (this.matchTagEnd() || this.matchPythonBlock() || this.matchPercent() || this.matchText()) continue;
      throw failed('the template cannot be lexed', this.line);
    }
    return this.nodes;
  }

  /**
   * Mako's coding comment, `#.*coding[:=]\s*([-\w.]+).*\r?\n` at the start, matched without
   * that regex: its `.*` before `coding` backtracks over the whole line, which made a first line
   * of 100,000 characters take minutes. The greedy `.*` takes the last `coding` of the line
   * after which the rest of the pattern matches.
   */
  private skipCodingLine(): void {
    const eol = this.text.indexOf('\n');
    if (eol < 0) return;
    const line = this.text.slice(0, eol);
    for (let at = line.lastIndexOf('coding'); at >= 0; at = at === 0 ? -1 : line.lastIndexOf('coding', at - 1)) {
      CODING_TAIL.lastIndex = at + 'coding'.length;
      const tail = CODING_TAIL.exec(this.text);
      if (!tail) continue;
      // The rest of the line the encoding name is on, and its line end.
      const end = this.text.indexOf('\n', CODING_TAIL.lastIndex);
      if (end < 0) continue;
      this.pos = end + 1;
      for (let i = 0; i < this.pos; i++) if (this.text[i] === '\n') this.line++;
      this.matchedLine = this.line;
      return;
    }
  }

  /** Mako's `match_reg`: an empty match still moves one character on. */
  private match(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return null;
    const start = this.pos;
    const end = start + m[0].length;
    this.pos = end === start ? end + 1 : end;
    this.matchedLine = this.line;
    for (let i = start; i < this.pos && i < this.text.length; i++) if (this.text[i] === '\n') this.line++;
    return m;
  }

  private atLineStart(): boolean {
    return this.pos === 0 || this.text[this.pos - 1] === '\n';
  }

  /** Mako's `parse_until_text`: skips comments, strings and (when asked) nested brackets. */
  private parseUntil(watchNesting: boolean, ...stops: string[]): { text: string; end: string } {
    const start = this.pos;
    const startLine = this.matchedLine;
    const key = stops.join('|');
    let cached = UNTIL_CACHE.get(key);
    if (!cached) {
      cached = { stop: new RegExp(`(${key})`, 'y'), scan: new RegExp(`([\\s\\S]*?)(?="|'|#|${key})`, 'y') };
      UNTIL_CACHE.set(key, cached);
    }
    let braces = 0;
    let parens = 0;
    let brackets = 0;
    for (;;) {
      if (this.matchCommentLine() || this.matchString()) continue;
      let m = this.match(cached.stop);
      if (m && !(watchNesting && (braces > 0 || parens > 0 || brackets > 0))) {
        return { text: this.text.slice(start, this.pos - m[1]!.length), end: m[1]! };
      } else if (!m) {
        m = this.match(cached.scan);
      }
      if (m) {
        const s = m[1]!;
        braces += count(s, '{') - count(s, '}');
        parens += count(s, '(') - count(s, ')');
        brackets += count(s, '[') - count(s, ']');
        continue;
      }
      throw failed(`an unterminated tag or expression (expected ${stops.join(' or ')})`, startLine);
    }
  }

  /**
   * `COMMENT_LINE`, skipped where no line end follows: there it cannot match, and trying it at
   * each `#` of a long line rescanned the line every time (a minute for 100,000 of them).
   */
  private matchCommentLine(): boolean {
    this.lastNewline ??= this.text.lastIndexOf('\n');
    return this.pos <= this.lastNewline && this.match(COMMENT_LINE) !== null;
  }

  /**
   * Mako's `STRING`, without trying again a quote kind that already failed to close earlier in
   * the text. Where a string of a kind finds no closing quote, none that starts later does
   * either: a later start is either a character that string's scan went past as an escape
   * (after which both scans are in the same state) or an unescaped quote, which would have
   * closed it. Trying again at every quote of an unclosed run was quadratic; so was trying `"""`
   * again wherever `"` closed instead (`"""y"x\` repeated: 37 s for 280,000 characters).
   */
  private matchString(): boolean {
    for (const kind of STRING_KINDS) {
      if (!this.text.startsWith(kind.quote, this.pos) || (this.unclosedFrom.get(kind.quote) ?? Infinity) <= this.pos) continue;
      if (this.match(kind.re)) return true;
      this.unclosedFrom.set(kind.quote, this.pos);
    }
    return false;
  }

  private matchExpression(): boolean {
    if (!this.match(EXPRESSION)) return false;
    const line = this.matchedLine;
    const { text, end } = this.parseUntil(true, '\\|', '\\}');
    const filters = end === '|' ? this.parseUntil(true, '\\}').text : '';
    this.nodes.push({ k: 'expr', code: text.replace(/\r\n/g, '\n'), filters: filters.trim(), line });
    return true;
  }

  private matchControlLine(): boolean {
    if (!this.atLineStart()) return false;
    const m = this.match(CONTROL);
    if (!m) return false;
    if (m[1] === '##') return true;
    const text = m[2]!;
    const head = /^(end)?(\w+)\s*(.*)/s.exec(text);
    if (!head) throw failed(`an invalid control line '${text}'`, this.matchedLine);
    this.nodes.push({ k: 'control', keyword: head[2]!, isEnd: head[1] !== undefined, text, line: this.matchedLine });
    return true;
  }

  private matchDoc(): boolean {
    return this.match(DOC) !== null;
  }

  private matchTagStart(): boolean {
    const m = this.match(TAG_START);
    if (!m) return false;
    const keyword = m[1]!;
    if (keyword !== 'text') throw unsupported(`the <%${keyword}> tag`, this.matchedLine);
    if (m[3] === '/') return true;
    const body = this.match(TEXT_TAG_BODY);
    if (!body) throw failed('an unclosed <%text> tag', this.matchedLine);
    this.nodes.push({ k: 'text', text: body[1]! });
    const end = this.match(TAG_END);
    if (end?.[1] !== 'text') throw failed('an unclosed <%text> tag', this.matchedLine);
    return true;
  }

  private matchTagEnd(): boolean {
    const m = this.match(TAG_END);
    if (!m) return false;
    // Only <%text> opens a tag here, and it consumes its own end; any other end tag has no opener.
    throw failed(`a closing tag </%${m[1]!}> without an opening tag`, this.matchedLine);
  }

  private matchPythonBlock(): boolean {
    const m = this.match(PYTHON_BLOCK);
    if (!m) return false;
    const line = this.matchedLine;
    const { text } = this.parseUntil(false, '%>');
    this.nodes.push({ k: 'code', code: text, module: m[1] === '!', line });
    return true;
  }

  private matchPercent(): boolean {
    if (!this.atLineStart()) return false;
    const m = this.match(PERCENT);
    if (!m) return false;
    this.nodes.push({ k: 'text', text: `${m[1]!}%${m[2]!}` });
    return true;
  }

  private matchText(): boolean {
    const m = this.match(TEXT);
    if (!m) return false;
    if (m[1]) this.nodes.push({ k: 'text', text: m[1] });
    return true;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
