import type { SyntaxNode } from '@lezer/common';
import { bothHold, canonicalDialect, eitherHolds, negated, type DialectCondition } from '../dialect/condition';
import { type Binding, bindingsOfStatement } from './bindings';
import { stringLiteralValue, type Source } from './pyValues';
import { callParts, childrenOf, memberParts, unparenthesize } from './syntax';
import type { DialectGuard } from './types';

/**
 * Dialect guards in a migration function: code that runs only on some databases because an
 * `if` tests the dialect, as in
 *
 *     if op.get_bind().dialect.name == "mysql": ...
 *     if context.get_context().dialect.name != "postgresql": return
 *     if bind.engine.name in ("mysql", "mariadb"): ... else: ...
 *     if isinstance(bind.dialect, MySQLDialect): ...
 *
 * The test may be spelt through a local or module-level name (`is_mysql = ...; if is_mysql:`,
 * `dialect = bind.dialect.name; if dialect == "sqlite":`) or a module-level function that
 * returns it (`def is_postgres(): return op.get_context().dialect.name == "postgresql"`).
 * `else` and `elif` branches take the negation, and an early `return` (or `raise`) in a branch
 * makes the rest of the block take the condition under which it is reached.
 *
 * Nothing is guessed: a test that mentions something besides the dialect contributes only what
 * is certain (`bind and bind.engine.name == "mysql"` is MySQL inside; outside, it is MySQL
 * only when the other operand is a plain truth test of a name, as it is here).
 */

/** A condition as the code states it: what holds when the test is true, and when it is false. */
interface Truth {
  whenTrue: DialectCondition | undefined;
  whenFalse: DialectCondition | undefined;
  /** A connection tested for truth (`bind`), which says nothing about the dialect. */
  plain?: true;
}

const UNKNOWN: Truth = { whenTrue: undefined, whenFalse: undefined };
const PLAIN: Truth = { whenTrue: undefined, whenFalse: undefined, plain: true };

/** Names that hold a connection by convention, tested for truth in `bind and ...`. */
const CONNECTION_NAMES = new Set(['bind', 'connection', 'conn', 'engine', 'connectable']);

/** What the module offers to the guards of every function: its helpers and bindings. */
export interface DialectScope {
  /** Module-level functions whose body is `return <expression>`, by name. */
  returns: ReadonlyMap<string, SyntaxNode>;
  bindings: ReadonlyMap<string, readonly Binding[]>;
}

/** The module-level helpers a guard may call: functions that return one expression. */
export function dialectScope(src: Source, functionNodes: readonly SyntaxNode[], bindings: ReadonlyMap<string, readonly Binding[]>): DialectScope {
  const returns = new Map<string, SyntaxNode>();
  for (const fn of functionNodes) {
    const name = fn.getChild('VariableName');
    const body = fn.getChild('Body');
    if (!name || !body) continue;
    const statements = childrenOf(body).filter((c) => c.name !== ':' && !isDocstring(c));
    const only = statements.length === 1 && statements[0]!.name === 'ReturnStatement' ? statements[0]!.lastChild : undefined;
    if (only && only.name !== 'return') returns.set(src.text.slice(name.from, name.to), only);
  }
  return { returns, bindings };
}

// Guards are rare; a function whose text names none of these has none, and costs one regex.
const MAY_GUARD = /\bdialect\b|\.engine\b|\bisinstance\b|\bname\b/;

/** The guards of one function body, outermost first; each condition includes its outer ones. */
export function dialectGuardsOf(src: Source, scope: DialectScope, fn: SyntaxNode, body: SyntaxNode): DialectGuard[] {
  const text = src.text.slice(fn.from, fn.to);
  if (!MAY_GUARD.test(text) && ![...scope.returns.keys()].some((name) => text.includes(name))) return [];
  return new GuardReader(src, scope, fn).read(body);
}

class GuardReader {
  private readonly local = new Map<string, Binding[]>();
  private readonly guards: DialectGuard[] = [];

  constructor(
    private readonly src: Source,
    private readonly scope: DialectScope,
    fn: SyntaxNode,
  ) {
    // Assignments anywhere in the function, in source order; a use sees the last one before it.
    fn.cursor().iterate((ref) => {
      if (ref.name === 'AssignStatement') bindingsOfStatement(src.text, ref.node, (name, b) => this.bind(name, b));
      return ref.name !== 'Lambda' && ref.name !== 'ClassDefinition';
    });
  }

  read(body: SyntaxNode): DialectGuard[] {
    this.block(body, undefined);
    return this.guards;
  }

  private bind(name: string, b: Binding): void {
    const list = this.local.get(name);
    if (list) list.push(b);
    else this.local.set(name, [b]);
  }

  /** Walks one block (a `Body`) under `outer`, recording guarded regions. */
  private block(body: SyntaxNode, outer: DialectCondition | undefined): void {
    let current = outer;
    for (let stmt = body.firstChild; stmt; stmt = stmt.nextSibling) {
      if (stmt.name === ':' || stmt.name === 'Comment') continue;
      if (stmt.name !== 'IfStatement') {
        this.nested(stmt, current);
        continue;
      }
      const reached = this.ifStatement(stmt, current);
      if (reached !== current && stmt.nextSibling) {
        // Only the branches that fall through reach what follows.
        current = reached;
        const next = stmt.nextSibling;
        const end = body.to;
        if (current && next.from < end) this.guards.push({ range: this.src.lines.rangeOf(next.from, end), condition: current });
      }
    }
  }

  /** The bodies of compound statements other than `if` run under the same condition. */
  private nested(stmt: SyntaxNode, condition: DialectCondition | undefined): void {
    if (!COMPOUND.has(stmt.name)) return;
    for (let c = stmt.firstChild; c; c = c.nextSibling) {
      if (c.name === 'Body') this.block(c, condition);
    }
  }

  /**
   * Records the regions of each branch and returns the condition under which the code after
   * the statement is reached: the join of the branches that do not end in return or raise.
   */
  private ifStatement(stmt: SyntaxNode, outer: DialectCondition | undefined): DialectCondition | undefined {
    // The condition of reaching the next test: every earlier test was false.
    let notYet = outer;
    const fallsThrough: (DialectCondition | undefined)[] = [];
    let anyExit = false;
    let hasElse = false;
    const children = childrenOf(stmt);
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      let branch: DialectCondition | undefined;
      let body: SyntaxNode;
      if ((c.name === 'if' || c.name === 'elif') && children[i + 1] && children[i + 2]?.name === 'Body') {
        const truth = this.truth(children[i + 1]!, 0);
        branch = bothHold(notYet, truth.whenTrue);
        notYet = bothHold(notYet, truth.whenFalse);
        body = children[i + 2]!;
        i += 2;
      } else if (c.name === 'else' && children[i + 1]?.name === 'Body') {
        hasElse = true;
        branch = notYet;
        body = children[i + 1]!;
        i += 1;
      } else continue;
      if (branch && branch !== outer) this.guards.push({ range: this.src.lines.rangeOf(body.from, body.to), condition: branch });
      this.block(body, branch);
      if (exits(body)) anyExit = true;
      else fallsThrough.push(branch);
    }
    if (!hasElse) fallsThrough.push(notYet);
    if (!anyExit || fallsThrough.length === 0) return outer;
    // Code after the statement is reached through one of the branches that fall through.
    const reached = fallsThrough.reduce((a, b) => eitherHolds(a, b));
    return reached === undefined ? outer : bothHold(outer, reached);
  }

  /** What a test expression says about the dialect. */
  private truth(expr: SyntaxNode, depth: number): Truth {
    if (depth > 8) return UNKNOWN;
    const n = unparenthesize(expr);
    switch (n.name) {
      case 'UnaryExpression': {
        const [op, operand] = childrenOf(n);
        if (!op || op.name !== 'not' || !operand) return UNKNOWN;
        // Lezer reads `not a and b` as `not (a and b)`; Python binds `not` tighter than
        // `and`/`or`, so the `not` belongs to the leftmost operand of the chain.
        const inner = unparenthesize(operand);
        if (operand === inner && isBoolean(inner)) return this.boolean(inner, depth, true);
        const t = this.truth(operand, depth + 1);
        return { whenTrue: t.whenFalse, whenFalse: t.whenTrue };
      }
      case 'BinaryExpression':
        if (isBoolean(n)) return this.boolean(n, depth, false);
        return this.comparison(n, depth);
      case 'CallExpression':
        return this.callTruth(n, depth);
      case 'VariableName': {
        if (this.isConnection(n, depth)) return PLAIN;
        const value = this.valueOf(n);
        return value ? this.truth(value, depth + 1) : UNKNOWN;
      }
      case 'MemberExpression':
        return this.isConnection(n, depth) ? PLAIN : UNKNOWN;
      default:
        return UNKNOWN;
    }
  }

  /** `a and b`, `a or b`; with `negateLeft`, the leftmost operand is negated (see `truth`). */
  private boolean(n: SyntaxNode, depth: number, negateLeft: boolean): Truth {
    const parts = childrenOf(n);
    const left = parts[0];
    const op = parts[1];
    const right = parts[2];
    if (!left || !op || !right) return UNKNOWN;
    let l: Truth;
    const leftInner = unparenthesize(left);
    if (negateLeft && left === leftInner && isBoolean(leftInner)) l = this.boolean(leftInner, depth + 1, true);
    else {
      l = this.truth(left, depth + 1);
      if (negateLeft) l = { whenTrue: l.whenFalse, whenFalse: l.whenTrue };
    }
    const r = this.truth(right, depth + 1);
    if (op.name === 'and') {
      // `bind and <test>` is false either when there is no bind (offline) or when the test is
      // false; a plain truth test says nothing about the dialect, so the test's answer stands.
      const whenFalse = l.plain ? r.whenFalse : r.plain ? l.whenFalse : eitherHolds(l.whenFalse, r.whenFalse);
      return { whenTrue: bothHold(l.whenTrue, r.whenTrue), whenFalse };
    }
    return { whenTrue: eitherHolds(l.whenTrue, r.whenTrue), whenFalse: bothHold(l.whenFalse, r.whenFalse) };
  }

  /** `<dialect name> == "mysql"`, `!=`, `in (...)`, `not in (...)`, either way round. */
  private comparison(n: SyntaxNode, depth: number): Truth {
    const parts = childrenOf(n);
    const left = parts[0];
    const right = parts[parts.length - 1];
    const ops = parts.slice(1, -1).map((p) => this.src.text.slice(p.from, p.to).replace(/\s+/g, ' ')).join(' ');
    if (!left || !right || left === right) return UNKNOWN;
    let names: string[] | undefined;
    if (this.isDialectName(left, depth)) names = this.literalNames(right);
    else if (this.isDialectName(right, depth) && (ops === '==' || ops === '!=')) names = this.literalNames(left);
    if (!names) return UNKNOWN;
    const is: DialectCondition = { oneOf: names, noneOf: [] };
    if (ops === '==' || ops === 'in' || ops === 'is') return { whenTrue: is, whenFalse: negated(is) };
    if (ops === '!=' || ops === 'not in' || ops === 'is not') return { whenTrue: negated(is), whenFalse: is };
    return UNKNOWN;
  }

  /** `isinstance(dialect, MySQLDialect)`, `name.startswith("mysql")`, `is_postgres()`. */
  private callTruth(n: SyntaxNode, depth: number): Truth {
    const parts = callParts(n);
    if (!parts) return UNKNOWN;
    const args = parts.args ? childrenOf(parts.args).filter((c) => c.name !== '(' && c.name !== ')' && c.name !== ',') : [];
    const callee = this.src.text.slice(parts.callee.from, parts.callee.to);
    if (callee === 'isinstance' && args.length === 2) {
      const classes = unparenthesize(args[1]!);
      const list = classes.name === 'TupleExpression' ? childrenOf(classes).filter((c) => c.name !== '(' && c.name !== ')' && c.name !== ',') : [classes];
      const names = list.map((c) => dialectOfClass(this.src.text.slice(c.from, c.to)));
      if (names.length === 0 || names.some((x) => x === undefined)) return UNKNOWN;
      const is: DialectCondition = { oneOf: [...new Set(names as string[])], noneOf: [] };
      return { whenTrue: is, whenFalse: negated(is) };
    }
    const member = memberParts(this.src.text, parts.callee);
    if (member && member.property === 'startswith' && args.length === 1 && this.isDialectName(member.object, depth)) {
      const names = this.literalNames(args[0]!);
      if (!names) return UNKNOWN;
      const is: DialectCondition = { oneOf: names, noneOf: [] };
      return { whenTrue: is, whenFalse: negated(is) };
    }
    const returned = parts.callee.name === 'VariableName' && args.length === 0 ? this.scope.returns.get(callee) : undefined;
    return returned ? this.truth(returned, depth + 1) : UNKNOWN;
  }

  /**
   * An expression whose value is the dialect's name: `<x>.dialect.name`, `<x>.engine.name`,
   * `dialect.name`, a name bound to one of these, or a call of a helper returning one.
   */
  private isDialectName(expr: SyntaxNode, depth: number): boolean {
    if (depth > 8) return false;
    const n = unparenthesize(expr);
    if (n.name === 'MemberExpression') {
      const m = memberParts(this.src.text, n);
      if (!m || m.property !== 'name') return false;
      return this.isDialectObject(m.object, depth + 1);
    }
    if (n.name === 'VariableName') {
      const value = this.valueOf(n);
      return !!value && this.isDialectName(value, depth + 1);
    }
    if (n.name === 'CallExpression') {
      const parts = callParts(n);
      const returned = parts && parts.callee.name === 'VariableName' ? this.scope.returns.get(this.src.text.slice(parts.callee.from, parts.callee.to)) : undefined;
      return !!returned && this.isDialectName(returned, depth + 1);
    }
    return false;
  }

  /** `<x>.dialect`, `<x>.engine`, a variable named `dialect`, or a name bound to one of these. */
  private isDialectObject(expr: SyntaxNode, depth: number): boolean {
    if (depth > 8) return false;
    const n = unparenthesize(expr);
    if (n.name === 'MemberExpression') {
      const m = memberParts(this.src.text, n);
      return !!m && (m.property === 'dialect' || m.property === 'engine');
    }
    if (n.name === 'VariableName') {
      const value = this.valueOf(n);
      if (value) return this.isDialectObject(value, depth + 1);
      return this.src.text.slice(n.from, n.to) === 'dialect';
    }
    return false;
  }

  /**
   * A connection tested for truth (`bind and bind.engine.name == ...`): falsy only when there
   * is none, which says nothing about the dialect. `op.get_bind()`, a migration context's
   * `.bind`/`.connection`, a conventional name, or a name bound to one of these.
   */
  private isConnection(expr: SyntaxNode, depth: number): boolean {
    if (depth > 8) return false;
    const n = unparenthesize(expr);
    if (n.name === 'CallExpression') {
      const parts = callParts(n);
      const m = parts && memberParts(this.src.text, parts.callee);
      return !!m && (m.property === 'get_bind' || m.property === 'connect');
    }
    if (n.name === 'MemberExpression') {
      const m = memberParts(this.src.text, n);
      return !!m && (m.property === 'bind' || m.property === 'connection');
    }
    if (n.name !== 'VariableName') return false;
    const value = this.valueOf(n);
    return value ? this.isConnection(value, depth + 1) : CONNECTION_NAMES.has(this.src.text.slice(n.from, n.to));
  }

  /** The dialect names a string literal or a tuple/list/set of them spells. */
  private literalNames(expr: SyntaxNode): string[] | undefined {
    const n = unparenthesize(expr);
    const items = n.name === 'TupleExpression' || n.name === 'ArrayExpression' || n.name === 'SetExpression' ? childrenOf(n).filter((c) => !['(', ')', '[', ']', '{', '}', ','].includes(c.name)) : [n];
    const names: string[] = [];
    for (const item of items) {
      const value = stringLiteralValue(this.src, item);
      if (value === undefined) return undefined;
      names.push(canonicalDialect(value) ?? value.toLowerCase());
    }
    return names.length > 0 ? names : undefined;
  }

  /** The expression a name was last assigned before its use, locally or at module level. */
  private valueOf(name: SyntaxNode): SyntaxNode | undefined {
    const key = this.src.text.slice(name.from, name.to);
    const b = lastBefore(this.local.get(key), name.from) ?? lastBefore(this.scope.bindings.get(key), Infinity);
    return b?.kind === 'assign' ? b.value : undefined;
  }
}

const COMPOUND = new Set(['ForStatement', 'WhileStatement', 'WithStatement', 'TryStatement']);

function isBoolean(n: SyntaxNode): boolean {
  if (n.name !== 'BinaryExpression') return false;
  const op = childrenOf(n)[1];
  return !!op && (op.name === 'and' || op.name === 'or');
}

/** Whether a block always leaves the function: its last statement returns or raises. */
function exits(body: SyntaxNode): boolean {
  let last: SyntaxNode | null = body.lastChild;
  while (last && last.name === 'Comment') last = last.prevSibling;
  return !!last && (last.name === 'ReturnStatement' || last.name === 'RaiseStatement');
}

function isDocstring(stmt: SyntaxNode): boolean {
  if (stmt.name !== 'ExpressionStatement') return false;
  const parts = childrenOf(stmt);
  return parts.length === 1 && (parts[0]!.name === 'String' || parts[0]!.name === 'ContinuedString');
}

function lastBefore(list: readonly Binding[] | undefined, pos: number): Binding | undefined {
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.at <= pos) return list[i];
  return undefined;
}

/** The dialect of a SQLAlchemy dialect class name (`MySQLDialect`, `PGDialect_psycopg2`, `postgresql.dialect`). */
function dialectOfClass(name: string): string | undefined {
  const last = name.split('.');
  const cls = last[last.length - 1]!;
  const module = last.length > 1 ? last[last.length - 2]! : '';
  if (cls === 'dialect') return canonicalDialect(module);
  if (!/Dialect/.test(cls)) return undefined;
  if (/^(PG|Postgres)/i.test(cls)) return 'postgresql';
  if (/^MariaDB/i.test(cls)) return 'mariadb';
  if (/^MySQL/i.test(cls)) return 'mysql';
  if (/^SQLite/i.test(cls)) return 'sqlite';
  if (/^Oracle/i.test(cls)) return 'oracle';
  if (/^MS(SQL)?/i.test(cls)) return 'mssql';
  return undefined;
}
