import type { SyntaxNode, SyntaxNodeRef } from '@lezer/common';
import { type Binding, Bindings, bindingsOfStatement, namesIn } from './bindings';
import { shiftPosition, shiftRange } from './positions';
import { LazyArgs, shiftArgs, type Source, stringLiteralValue, WithLazyArgs } from './pyValues';
import { SqlEvaluator } from './sqlStrings';
import type { StatementResult, StatementReuse } from './statementCache';
import { callParts, childrenOf, firstArgument, memberParts, unparenthesize } from './syntax';
import type { Range } from '../types';
import type { OpCall, SqlString } from './types';

/** What a function body needs to know about its module. */
export interface ModuleScope {
  /** `op`, plus any alias from `from alembic import op as ...`. */
  opNames: ReadonlySet<string>;
  /** Module-level bindings of each name, in source order. */
  bindings: ReadonlyMap<string, readonly Binding[]>;
}

export interface BodyResult {
  opCalls: OpCall[];
  sql: SqlString[];
}

/** A `with` block that changes how the calls inside it are reported. */
interface BlockFrame {
  bodyFrom: number;
  /** Batch aliases opened by this block, with the literal table name when there is one. */
  batch: Map<string, string | undefined>;
  autocommit: boolean;
}

const CONNECTION_METHODS = new Set(['execute', 'exec_driver_sql']);

/** `select(...)`, `sa.select(...)`, `table.select()`: a statement that reads and changes nothing. */
const READ_ONLY = /^\s*(?:[\w.]*\.)?select\s*\(|^\s*[\w.]+\.select\s*\(/;

// `name(` or `name.attr(` at the start of a call; group 2 is missing for a plain call.
const CALLEE = /([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\.[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*)?\(/y;

/**
 * Collects op calls and SQL strings from one function body, one cursor walk per statement.
 * Blocks (batch_alter_table, autocommit_block) are tracked as a stack of frames entered and
 * left with their `Body` node, so any nesting of if/for/try/with is handled the same way.
 * With `reuse`, statements the previous parse already extracted are taken from it.
 */
export function walkFunctionBody(
  src: Source,
  scope: ModuleScope,
  fn: SyntaxNode,
  body: SyntaxNode,
  reuse?: StatementReuse,
): BodyResult {
  return new BodyWalker(src, scope, fn).run(body, reuse);
}

/**
 * The results of a statement as they read `lines` lines further down: the copy a reused
 * statement gets when lines were added or removed above it. Arguments are shifted when read.
 */
export function shiftStatementResult(base: StatementResult, lines: number): StatementResult {
  if (lines === 0) return base;
  return {
    opCalls: base.opCalls.map((c) => {
      const shifted = new OpCallRecord(
        c.name,
        c.receiver,
        c.inAutocommitBlock,
        shiftRange(c.range, lines),
        shiftRange(c.calleeRange, lines),
        new LazyArgs(() => shiftArgs(c.args, lines)),
      );
      if (c.batchTable !== undefined) shifted.batchTable = c.batchTable;
      origins.set(shifted, c);
      return shifted;
    }),
    sql: base.sql.map((s) => {
      const shifted: SqlString = {
        ...s,
        range: shiftRange(s.range, lines),
        callRange: shiftRange(s.callRange, lines),
        positionAt: (offset: number) => shiftPosition(s.positionAt(offset), lines),
      };
      origins.set(shifted, s);
      return shifted;
    }),
  };
}

/** Moved copies of op calls and SQL strings, each with the item it was copied from. */
const origins = new WeakMap<OpCall | SqlString, OpCall | SqlString>();

/**
 * The op call or SQL string that `item` is a moved copy of (when a keystroke added or removed
 * lines above its statement), or `item` itself. Items with the same origin differ only in
 * their positions, so what a rule derives from names, argument values or SQL text can be
 * cached by origin and survives such keystrokes; anything with a position cannot.
 */
export function originOf<T extends OpCall | SqlString>(item: T): T {
  return (origins.get(item) as T | undefined) ?? item;
}

/**
 * An {@link OpCall} whose `args` is computed on first read (see LazyArgs). Spreading
 * (`{...call}`) does not copy the `args` getter; `toJSON` includes it.
 */
class OpCallRecord extends WithLazyArgs implements OpCall {
  declare batchTable?: string;

  constructor(
    readonly name: string,
    readonly receiver: OpCall['receiver'],
    readonly inAutocommitBlock: boolean,
    readonly range: Range,
    readonly calleeRange: Range,
    args: LazyArgs,
  ) {
    super(args);
  }

  toJSON(): OpCall {
    const { name, receiver, batchTable, inAutocommitBlock, range, calleeRange, args } = this;
    return batchTable === undefined
      ? { name, receiver, inAutocommitBlock, range, calleeRange, args }
      : { name, receiver, batchTable, inAutocommitBlock, range, calleeRange, args };
  }
}

class BodyWalker {
  private readonly bindings: Bindings;
  private readonly evaluator: SqlEvaluator;
  private readonly frames: BlockFrame[] = [];
  private readonly pending = new Map<number, BlockFrame>();
  private autocommitDepth = 0;
  private receiverPattern: RegExp | undefined;
  private readonly opCalls: OpCall[] = [];
  private readonly sql: SqlString[] = [];

  constructor(
    private readonly src: Source,
    private readonly scope: ModuleScope,
    fn: SyntaxNode,
  ) {
    this.bindings = new Bindings(scope.bindings, fn.from, fn.to);
    this.evaluator = new SqlEvaluator(src.text, this.bindings);
  }

  run(body: SyntaxNode, reuse: StatementReuse | undefined): BodyResult {
    const statements = body.cursor();
    if (!statements.firstChild()) return { opCalls: this.opCalls, sql: this.sql };
    const enter = (ref: SyntaxNodeRef): boolean => this.enter(ref);
    const leave = (ref: SyntaxNodeRef): void => this.leave(ref);
    do {
      const name = statements.name;
      if (name === ':' || name === 'Comment') continue;
      const reused = reuse?.reuse(statements);
      if (reused) {
        for (const c of reused.opCalls) this.opCalls.push(c);
        for (const s of reused.sql) this.sql.push(s);
        continue;
      }
      const calls = this.opCalls.length;
      const strings = this.sql.length;
      const names = this.bindings.uses;
      statements.node.cursor().iterate(enter, leave);
      // A statement that looked a name up or bound one depends on, or affects, other statements.
      if (reuse && this.bindings.uses === names) {
        reuse.extracted(statements, { opCalls: this.opCalls.slice(calls), sql: this.sql.slice(strings) });
      }
    } while (statements.nextSibling());
    return { opCalls: this.opCalls, sql: this.sql };
  }

  private enter(ref: SyntaxNodeRef): boolean {
    switch (ref.name) {
      case 'CallExpression':
        if (this.mayMatter(ref.from)) {
          this.call(ref.node);
          return true;
        }
        return this.mayContainMatter(ref.from, ref.to);
      case 'WithStatement':
        this.withStatement(ref.node);
        return true;
      case 'Body': {
        const frame = this.pending.get(ref.from);
        if (frame) {
          this.pending.delete(ref.from);
          this.frames.push(frame);
          if (frame.autocommit) this.autocommitDepth++;
          if (frame.batch.size > 0) this.receiverPattern = undefined;
        }
        return true;
      }
      case 'AssignStatement':
      case 'UpdateStatement':
      case 'ForStatement':
        bindingsOfStatement(this.src.text, ref.node, (name, b) => this.bindings.add(name, b));
        return true;
      default:
        return true;
    }
  }

  private leave(ref: SyntaxNodeRef): void {
    if (ref.name !== 'Body') return;
    const top = this.frames[this.frames.length - 1];
    if (top && top.bodyFrom === ref.from) {
      this.frames.pop();
      if (top.autocommit) this.autocommitDepth--;
      if (top.batch.size > 0) this.receiverPattern = undefined;
    }
  }

  private withStatement(node: SyntaxNode): void {
    const children = childrenOf(node);
    const body = children.find((c) => c.name === 'Body');
    if (!body) return;
    const frame: BlockFrame = { bodyFrom: body.from, batch: new Map(), autocommit: false };
    for (let i = 1; i < children.length && children[i] !== body; i++) {
      const item = children[i];
      if (item.name === ',' || item.name === 'as' || item.type.isError) continue;
      const target = children[i + 1]?.name === 'as' ? children[i + 2] : undefined;
      if (target) i += 2;
      const kind = this.withItemKind(item);
      const aliases = target ? namesIn(this.src.text, target) : [];
      if (kind?.batch && target?.name === 'VariableName') {
        frame.batch.set(aliases[0], kind.table);
      } else {
        for (const name of aliases) this.bindings.add(name, { kind: 'opaque', at: target?.to ?? item.to });
      }
      if (kind?.autocommit) frame.autocommit = true;
    }
    if (frame.batch.size > 0 || frame.autocommit) this.pending.set(body.from, frame);
  }

  private withItemKind(item: SyntaxNode): { batch?: true; table?: string; autocommit?: true } | undefined {
    const call = callParts(withItemExpression(item));
    const member = call && memberParts(this.src.text, call.callee);
    if (!call || !member) return undefined;
    if (member.property === 'batch_alter_table' && this.isOp(member.object)) {
      const tableArg = firstArgument(call.args, 'table_name', this.src.text);
      return { batch: true, table: tableArg && stringLiteralValue(this.src, tableArg) };
    }
    if (member.property === 'autocommit_block' && this.isContext(member.object, 0)) return { autocommit: true };
    return undefined;
  }

  /**
   * Most calls in a migration are `sa.Column(...)`, `sa.Integer()` and the like. Reading the
   * callee's text rejects them without building syntax nodes, which is most of the walk's cost;
   * anything the pattern does not recognise goes through the full check.
   */
  private mayMatter(from: number): boolean {
    CALLEE.lastIndex = from;
    const m = CALLEE.exec(this.src.text);
    if (!m) return true;
    if (m[2] === undefined) return false;
    return this.scope.opNames.has(m[1]) || CONNECTION_METHODS.has(m[2]) || this.batchAlias(m[1]) !== undefined;
  }

  /**
   * Whether the arguments of an uninteresting call (`sa.Column(...)`) may hold a call that
   * matters, judged from the source text: an op or batch receiver followed by a dot, or an
   * execute method. Skipping the subtrees that cannot halves the nodes a long migration
   * visits; a false positive only costs the walk it would have done anyway.
   */
  private mayContainMatter(from: number, to: number): boolean {
    if (!this.receiverPattern) {
      // Rebuilt only when a batch block opens or closes, since that changes the receivers.
      const names = [...this.scope.opNames];
      for (const frame of this.frames) names.push(...frame.batch.keys());
      this.receiverPattern = new RegExp(`\\b(?:${names.join('|')})\\s*\\.|\\.\\s*(?:execute|exec_driver_sql)\\b`);
    }
    return this.receiverPattern.test(this.src.text.slice(from, to));
  }

  private call(node: SyntaxNode): void {
    const parts = callParts(node);
    const member = parts && memberParts(this.src.text, parts.callee);
    if (!parts || !member) return;
    const object = member.object;
    if (object.name === 'VariableName') {
      const name = this.src.text.slice(object.from, object.to);
      if (this.scope.opNames.has(name)) {
        this.pushOpCall(node, parts.callee, parts.args, member.property, 'op', undefined);
        if (member.property === 'execute') this.pushSql(node, parts.args, 'op.execute');
        return;
      }
      const batch = this.batchAlias(name);
      if (batch) {
        this.pushOpCall(node, parts.callee, parts.args, member.property, 'batch', batch.table);
        if (member.property === 'execute') this.pushSql(node, parts.args, 'op.execute');
        return;
      }
    }
    if (CONNECTION_METHODS.has(member.property) && this.isConnection(object, 0)) {
      this.pushSql(node, parts.args, 'connection.execute');
    }
  }

  private pushOpCall(
    node: SyntaxNode,
    callee: SyntaxNode,
    args: SyntaxNode | null,
    name: string,
    receiver: OpCall['receiver'],
    batchTable: string | undefined,
  ): void {
    const { lines } = this.src;
    const call = new OpCallRecord(
      name,
      receiver,
      this.autocommitDepth > 0,
      lines.rangeOf(node.from, node.to),
      lines.rangeOf(callee.from, callee.to),
      LazyArgs.of(this.src, args),
    );
    if (batchTable !== undefined) call.batchTable = batchTable;
    this.opCalls.push(call);
  }

  private pushSql(node: SyntaxNode, args: SyntaxNode | null, via: SqlString['via']): void {
    const keyword = via === 'op.execute' ? 'sqltext' : 'statement';
    const arg = firstArgument(args, keyword, this.src.text);
    const extracted = arg && this.evaluator.extract(arg);
    if (!extracted) {
      if (arg && via === 'connection.execute') this.pushCore(node, arg);
      return;
    }
    const { lines } = this.src;
    const value = extracted.value;
    this.sql.push({
      text: value.value,
      dynamic: extracted.dynamic,
      via,
      wrappedInText: extracted.wrappedInText,
      inAutocommitBlock: this.autocommitDepth > 0,
      range: lines.rangeOf(extracted.rangeNode.from, extracted.rangeNode.to),
      callRange: lines.rangeOf(node.from, node.to),
      positionAt: (offset) => lines.positionAt(value.sourceAt(offset)),
    });
  }

  /** A Core statement given to a connection: no SQL text, but a change to the data unless it is plainly a read. */
  private pushCore(node: SyntaxNode, arg: SyntaxNode): void {
    const text = this.src.text.slice(arg.from, arg.to);
    if (READ_ONLY.test(text)) return;
    const { lines } = this.src;
    const at = lines.positionAt(arg.from);
    this.sql.push({
      text: '',
      dynamic: true,
      via: 'connection.execute',
      core: true,
      wrappedInText: false,
      inAutocommitBlock: this.autocommitDepth > 0,
      range: lines.rangeOf(arg.from, arg.to),
      callRange: lines.rangeOf(node.from, node.to),
      positionAt: () => at,
    });
  }

  private batchAlias(name: string): { table: string | undefined } | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const batch = this.frames[i].batch;
      if (batch.has(name)) return { table: batch.get(name) };
    }
    return undefined;
  }

  private isOp(node: SyntaxNode): boolean {
    return node.name === 'VariableName' && this.scope.opNames.has(this.src.text.slice(node.from, node.to));
  }

  /** `op.get_bind()`, a migration context's `.connection`/`.bind`, or a name bound to one. */
  private isConnection(expr: SyntaxNode, depth: number): boolean {
    const n = unparenthesize(expr);
    if (n.name === 'CallExpression') return this.isOpMethodCall(n, 'get_bind');
    if (n.name === 'MemberExpression') {
      const m = memberParts(this.src.text, n);
      return !!m && (m.property === 'connection' || m.property === 'bind') && this.isContext(m.object, depth + 1);
    }
    return this.followName(n, depth, (value, d) => this.isConnection(value, d));
  }

  /** `op.get_context()` or a name bound to it. */
  private isContext(expr: SyntaxNode, depth: number): boolean {
    const n = unparenthesize(expr);
    if (n.name === 'CallExpression') return this.isOpMethodCall(n, 'get_context');
    return this.followName(n, depth, (value, d) => this.isContext(value, d));
  }

  private isOpMethodCall(node: SyntaxNode, method: string): boolean {
    const parts = callParts(node);
    const m = parts && memberParts(this.src.text, parts.callee);
    return !!m && m.property === method && this.isOp(m.object);
  }

  private followName(node: SyntaxNode, depth: number, test: (value: SyntaxNode, depth: number) => boolean): boolean {
    if (node.name !== 'VariableName' || depth > 8) return false;
    const b = this.bindings.lookup(this.src.text.slice(node.from, node.to), node.from);
    return b?.kind === 'assign' && test(b.value, depth + 1);
  }
}

/**
 * The expression of a with-item. Lezer does not know Python 3.10's parenthesized with-items
 * (`with (op.batch_alter_table("t") as b, ...):`) and recovers with the first call inside a
 * parenthesized expression next to an error node; that call is still the item.
 */
function withItemExpression(item: SyntaxNode): SyntaxNode {
  if (item.name !== 'ParenthesizedExpression') return item;
  const inner = childrenOf(item).filter((c) => c.name !== '(' && c.name !== ')' && !c.type.isError);
  return inner.length === 1 ? withItemExpression(inner[0]) : item;
}
