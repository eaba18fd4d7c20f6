import { failed, unsupported } from './errors';
import { percentFormat } from './pyFormat';
import { isObject, isTuple, truthy, UNDEFINED, type PyValue } from './pyValue';

/**
 * The Python expressions that revision templates write: names, attribute access, calls with
 * positional arguments, string and integer literals, parenthesised tuples, `%` formatting,
 * `x if c else y`, `not`/`and`/`or`, and `==`/`!=`/`is`/`is not`. Parsing anything else
 * raises an "unsupported" TemplateError naming the construct, so no template renders to a
 * file that Mako would have written differently.
 */

export type Expr =
  | { k: 'name'; name: string }
  | { k: 'const'; value: PyValue }
  | { k: 'attr'; obj: Expr; name: string }
  | { k: 'call'; fn: Expr; args: Expr[] }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr }
  | { k: 'bool'; op: 'and' | 'or'; left: Expr; right: Expr }
  | { k: 'not'; operand: Expr }
  | { k: 'cmp'; op: '==' | '!=' | 'is' | 'is not'; left: Expr; right: Expr }
  | { k: 'mod'; left: Expr; right: Expr }
  | { k: 'tuple'; items: Expr[] };

type Token = { t: 'name'; v: string } | { t: 'str'; v: string } | { t: 'int'; v: number } | { t: 'op'; v: string } | { t: 'end' };

const KEYWORDS = new Set(['if', 'else', 'not', 'and', 'or', 'is', 'in', 'None', 'True', 'False', 'lambda', 'for', 'await', 'yield']);
const OPS = ['==', '!=', '(', ')', '.', ',', '%'];

/** Splits Python expression text into tokens. */
export function tokenize(text: string, line?: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f') {
      i++;
    } else if (ch === '\\' && /^\\\r?\n/.test(text.slice(i, i + 3))) {
      i += text[i + 1] === '\r' ? 3 : 2;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/[\p{L}_]/u.test(ch)) {
      const m = /^[\p{L}\p{N}_]+/u.exec(text.slice(i))![0];
      const quote = text[i + m.length];
      if ((quote === '"' || quote === "'") && /^[rRuUbBfF]{1,2}$/.test(m)) {
        const s = readString(text, i + m.length, m.toLowerCase(), line);
        out.push({ t: 'str', v: s.value });
        i = s.end;
      } else {
        out.push({ t: 'name', v: m });
        i += m.length;
      }
    } else if (ch === '"' || ch === "'") {
      const s = readString(text, i, '', line);
      out.push({ t: 'str', v: s.value });
      i = s.end;
    } else if (/[0-9]/.test(ch)) {
      const m = /^[0-9][0-9_a-zA-Z.]*/.exec(text.slice(i))![0];
      if (!/^(0|[1-9][0-9]*)$/.test(m)) throw unsupported(`the number literal '${m}'`, line);
      out.push({ t: 'int', v: Number(m) });
      i += m.length;
    } else {
      const op = OPS.find((o) => text.startsWith(o, i));
      if (!op) throw unsupported(`the Python operator or syntax '${ch}'`, line);
      out.push({ t: 'op', v: op });
      i += op.length;
    }
  }
  out.push({ t: 'end' });
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function readString(text: string, start: number, prefix: string, line?: number): { value: string; end: number } {
  if (prefix.includes('b')) throw unsupported('a bytes literal', line);
  if (prefix.includes('f')) throw unsupported('an f-string', line);
  const raw = prefix.includes('r');
  const q = text[start]!;
  const triple = text.startsWith(q.repeat(3), start);
  const close = triple ? q.repeat(3) : q;
  let i = start + close.length;
  let value = '';
  for (;;) {
    if (i >= text.length) throw failed('an unterminated string literal', line);
    if (text.startsWith(close, i)) return { value, end: i + close.length };
    const ch = text[i]!;
    if (ch === '\n' && !triple) throw failed('an unterminated string literal', line);
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const next = text[i + 1] ?? '';
    if (raw) {
      // A raw string keeps the backslash, but it still stops the next quote from closing it.
      value += ch + next;
      i += 2;
      continue;
    }
    if (next === '\n') {
      i += 2;
    } else if (next in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[next];
      i += 2;
    } else if (/[0-7]/.test(next)) {
      const digits = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      value += String.fromCodePoint(parseInt(digits, 8));
      i += 1 + digits.length;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const n = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const digits = text.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw failed(`a truncated \\${next} escape`, line);
      value += String.fromCodePoint(parseInt(digits, 16));
      i += 2 + n;
    } else if (next === 'N') {
      throw unsupported('a \\N{...} escape', line);
    } else {
      value += ch;
      i++;
    }
  }
}

/** Parses one whole expression. */
export function parseExpression(text: string, line?: number): Expr {
  const p = new Parser(tokenize(text, line), line);
  const e = p.expression();
  p.expectEnd();
  return e;
}

/** Parses `NAME in EXPR` (the head of a `% for` line), refusing tuple targets. */
export function parseForHead(text: string, line?: number): { target: string; iter: Expr } {
  const p = new Parser(tokenize(text, line), line);
  const target = p.name();
  p.keyword('in');
  const iter = p.expression();
  p.expectEnd();
  return { target, iter };
}

/**
 * How deep an expression may nest. Revision templates nest a few levels; the parser and the
 * evaluator recurse once per level, and a template of thousands (which Python's own parser
 * refuses too) would overflow the stack.
 */
const MAX_DEPTH = 100;

const depths = new WeakMap<Expr, number>();

class Parser {
  private i = 0;
  /** Recursive calls in progress, for MAX_DEPTH. */
  private nesting = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly line: number | undefined,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private isKeyword(v: string): boolean {
    const t = this.peek();
    return t.t === 'name' && t.v === v;
  }

  private describe(t: Token): string {
    return t.t === 'end' ? 'the end of the expression' : t.t === 'str' ? 'a string' : `'${String(t.v)}'`;
  }

  keyword(v: string): void {
    if (!this.isKeyword(v)) throw unsupported(`${this.describe(this.peek())} where '${v}' was expected`, this.line);
    this.i++;
  }

  op(v: string): void {
    if (!this.isOp(v)) throw unsupported(`${this.describe(this.peek())} where '${v}' was expected`, this.line);
    this.i++;
  }

  name(): string {
    const t = this.peek();
    if (t.t !== 'name' || KEYWORDS.has(t.v)) throw unsupported(`${this.describe(t)} where a name was expected`, this.line);
    this.i++;
    return t.v;
  }

  expectEnd(): void {
    if (this.peek().t !== 'end') throw unsupported(`the Python syntax ${this.describe(this.peek())}`, this.line);
  }

  private tooDeep(): never {
    throw unsupported(`an expression nested more than ${MAX_DEPTH} levels deep`, this.line);
  }

  /** `e`, one level above its deepest child. */
  private node<T extends Expr>(e: T, children: readonly Expr[]): T {
    const depth = 1 + children.reduce((max, c) => Math.max(max, depths.get(c) ?? 1), 0);
    if (depth > MAX_DEPTH) this.tooDeep();
    depths.set(e, depth);
    return e;
  }

  expression(): Expr {
    if (++this.nesting > MAX_DEPTH) this.tooDeep();
    try {
      const then = this.or();
      if (!this.isKeyword('if')) return then;
      this.i++;
      const test = this.or();
      this.keyword('else');
      const otherwise = this.expression();
      return this.node({ k: 'cond', test, then, else: otherwise }, [test, then, otherwise]);
    } finally {
      this.nesting--;
    }
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKeyword('or')) {
      this.i++;
      const right = this.and();
      left = this.node({ k: 'bool', op: 'or', left, right }, [left, right]);
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKeyword('and')) {
      this.i++;
      const right = this.not();
      left = this.node({ k: 'bool', op: 'and', left, right }, [left, right]);
    }
    return left;
  }

  private not(): Expr {
    if (!this.isKeyword('not')) return this.comparison();
    this.i++;
    if (++this.nesting > MAX_DEPTH) this.tooDeep();
    try {
      const operand = this.not();
      return this.node({ k: 'not', operand }, [operand]);
    } finally {
      this.nesting--;
    }
  }

  private comparison(): Expr {
    const left = this.modulo();
    let op: '==' | '!=' | 'is' | 'is not' | undefined;
    if (this.isOp('==') || this.isOp('!=')) op = (this.peek() as { v: '==' | '!=' }).v;
    else if (this.isKeyword('is')) op = 'is';
    else if (this.isKeyword('in')) throw unsupported("the 'in' operator", this.line);
    if (op === undefined) return left;
    this.i++;
    if (op === 'is' && this.isKeyword('not')) {
      this.i++;
      op = 'is not';
    }
    const right = this.modulo();
    if (this.isOp('==') || this.isOp('!=') || this.isKeyword('is')) throw unsupported('a chained comparison', this.line);
    return this.node({ k: 'cmp', op, left, right }, [left, right]);
  }

  private modulo(): Expr {
    let left = this.postfix();
    while (this.isOp('%')) {
      this.i++;
      const right = this.postfix();
      left = this.node({ k: 'mod', left, right }, [left, right]);
    }
    return left;
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        e = this.node({ k: 'attr', obj: e, name: this.name() }, [e]);
      } else if (this.isOp('(')) {
        this.i++;
        const args: Expr[] = [];
        while (!this.isOp(')')) {
          args.push(this.expression());
          if (!this.isOp(',')) break;
          this.i++;
        }
        this.op(')');
        e = this.node({ k: 'call', fn: e, args }, [e, ...args]);
      } else {
        return e;
      }
    }
  }

  private atom(): Expr {
    const t = this.peek();
    if (t.t === 'str') {
      // Adjacent literals concatenate, as in Python.
      let value = '';
      while (this.peek().t === 'str') value += (this.tokens[this.i++] as { v: string }).v;
      return { k: 'const', value };
    }
    if (t.t === 'int') {
      this.i++;
      return { k: 'const', value: t.v };
    }
    if (t.t === 'name') {
      const constants: Record<string, PyValue> = { None: null, True: true, False: false };
      if (t.v in constants) {
        this.i++;
        return { k: 'const', value: constants[t.v]! };
      }
      if (KEYWORDS.has(t.v)) throw unsupported(`the Python keyword '${t.v}' here`, this.line);
      this.i++;
      return { k: 'name', name: t.v };
    }
    if (this.isOp('(')) {
      this.i++;
      if (this.isOp(')')) {
        this.i++;
        return { k: 'tuple', items: [] };
      }
      const first = this.expression();
      if (!this.isOp(',')) {
        this.op(')');
        return first;
      }
      const items = [first];
      while (this.isOp(',')) {
        this.i++;
        if (this.isOp(')')) break;
        items.push(this.expression());
      }
      this.op(')');
      return this.node({ k: 'tuple', items }, items);
    }
    throw unsupported(`the Python syntax ${this.describe(t)}`, this.line);
  }
}

/** Where names come from: the renderer's scopes, builtins and Mako's context. */
export type NameLookup = (name: string) => PyValue;

export function evaluate(e: Expr, lookup: NameLookup, line?: number): PyValue {
  const ev = (x: Expr): PyValue => evaluate(x, lookup, line);
  switch (e.k) {
    case 'const':
      return e.value;
    case 'name':
      return lookup(e.name);
    case 'tuple':
      return e.items.map(ev);
    case 'cond':
      return truthy(ev(e.test)) ? ev(e.then) : ev(e.else);
    case 'bool': {
      const left = ev(e.left);
      if (e.op === 'and') return truthy(left) ? ev(e.right) : left;
      return truthy(left) ? left : ev(e.right);
    }
    case 'not':
      return !truthy(ev(e.operand));
    case 'cmp':
      return compare(e.op, ev(e.left), ev(e.right), line);
    case 'mod': {
      const left = ev(e.left);
      if (typeof left !== 'string') throw unsupported("'%' on a value that is not a string", line);
      return percentFormat(left, ev(e.right), 'a % expression', line);
    }
    case 'attr': {
      const obj = ev(e.obj);
      if (obj === UNDEFINED) throw failed(`the template reads '.${e.name}' of a name that the caller did not pass`, line);
      const value = isObject(obj) ? obj.attr?.(e.name) : undefined;
      if (value === undefined) throw unsupported(`the attribute '.${e.name}'${isObject(obj) ? ` of ${obj.typeName}` : ''}`, line);
      return value;
    }
    case 'call': {
      const fn = ev(e.fn);
      if (fn === UNDEFINED) throw failed('the template calls a name that the caller did not pass', line);
      if (!isObject(fn) || !fn.call) throw unsupported('a call of something that is not a supported function', line);
      return fn.call(e.args.map(ev), line);
    }
  }
}

function compare(op: '==' | '!=' | 'is' | 'is not', a: PyValue, b: PyValue, line?: number): boolean {
  if (op === 'is' || op === 'is not') {
    const singleton = (v: PyValue): boolean => v === null || v === true || v === false || v === UNDEFINED;
    if (!singleton(a) && !singleton(b)) throw unsupported("'is' between values other than None, True, False or UNDEFINED", line);
    return (a === b) === (op === 'is');
  }
  return equal(a, b, line) === (op === '==');
}

function equal(a: PyValue, b: PyValue, line?: number): boolean {
  if (isTuple(a) || isTuple(b)) return isTuple(a) && isTuple(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]!, line));
  if ((typeof a === 'object' && a !== null) || (typeof b === 'object' && b !== null)) throw unsupported('== between objects', line);
  // Python's True == 1, as its bool is an int.
  const n = (v: PyValue): PyValue => (typeof v === 'boolean' ? Number(v) : v);
  return n(a) === n(b);
}
