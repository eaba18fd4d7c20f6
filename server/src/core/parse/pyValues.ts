import type { SyntaxNode } from '@lezer/common';
import { evaluateConcatenation } from './literals';
import { type LineIndex, shiftRange } from './positions';
import { argumentGroups, callParts, dottedName, stringPieces, unparenthesize } from './syntax';
import type { CallArg, PyCall, PyLiteralValue } from './types';

/** The text being parsed and its line table; everything that turns nodes into results needs both. */
export interface Source {
  readonly text: string;
  readonly lines: LineIndex;
}

/** The arguments of a call as {@link CallArg}s, positional and keyword in source order. */
export function callArguments(src: Source, argList: SyntaxNode | null): CallArg[] {
  if (!argList) return [];
  const out: CallArg[] = [];
  for (const group of argumentGroups(argList)) {
    const first = group[0];
    const last = group[group.length - 1];
    if (group.length >= 3 && first.name === 'VariableName' && group[1].name === 'AssignOp') {
      const valueNode = group[2];
      const arg: CallArg = {
        keyword: src.text.slice(first.from, first.to),
        text: src.text.slice(valueNode.from, last.to),
        range: src.lines.rangeOf(first.from, last.to),
      };
      if (group.length === 3) setValue(arg, literalValue(src, valueNode));
      out.push(arg);
      continue;
    }
    const arg: CallArg = { text: src.text.slice(first.from, last.to), range: src.lines.rangeOf(first.from, last.to) };
    if (group.length === 1) setValue(arg, literalValue(src, first));
    out.push(arg);
  }
  return out;
}

/** The string value of a str literal expression; undefined for bytes, f-strings with fields, the rest. */
export function stringLiteralValue(src: Source, node: SyntaxNode): string | undefined {
  const n = unparenthesize(node);
  if (n.name !== 'String' && n.name !== 'ContinuedString' && n.name !== 'FormatString') return undefined;
  const r = evaluateConcatenation(src.text, stringPieces(n));
  if (!r || r.isBytes || r.dynamic) return undefined;
  return r.value.value;
}

/**
 * The statically known value of an expression (see {@link PyLiteralValue}); undefined when
 * the expression is not made of literals.
 */
export function literalValue(src: Source, node: SyntaxNode): PyLiteralValue | undefined {
  const n = unparenthesize(node);
  switch (n.name) {
    case 'String':
    case 'ContinuedString':
    case 'FormatString':
      return stringLiteralValue(src, n);
    case 'Number':
      return numberValue(src.text.slice(n.from, n.to));
    case 'Boolean':
      return src.text.slice(n.from, n.to) === 'True';
    case 'None':
      return null;
    case 'UnaryExpression': {
      const op = n.firstChild;
      const operand = n.lastChild;
      if (!op || !operand || operand.name !== 'Number') return undefined;
      const sign = src.text.slice(op.from, op.to);
      const v = numberValue(src.text.slice(operand.from, operand.to));
      if (v === undefined || (sign !== '-' && sign !== '+')) return undefined;
      return sign === '-' ? -v : v;
    }
    case 'TupleExpression':
    case 'ArrayExpression':
      return sequenceValue(src, n);
    case 'CallExpression': {
      const parts = callParts(n);
      const call = parts && dottedName(src.text, parts.callee);
      if (!parts || call === undefined) return undefined;
      return new PyCallValue(call.replace(/\s+/g, ''), LazyArgs.of(src, parts.args));
    }
    default:
      return undefined;
  }
}

/**
 * Call arguments computed on first read and then kept.
 *
 * A long migration has thousands of call arguments (every `sa.Column(...)` inside every
 * `create_table`). Turning them all into values took most of the extraction time on each
 * keystroke, while rules read the arguments of few calls; deferring them made extraction
 * about twice as fast. Until they are read they keep what computes them alive (the syntax
 * tree and text of the parse that found the call); once read, only the values are kept.
 */
export class LazyArgs {
  #value: CallArg[] | undefined;
  #compute: (() => CallArg[]) | undefined;

  constructor(compute: () => CallArg[]) {
    this.#compute = compute;
  }

  /** The arguments of the call whose argument list is `argList`, read from `src`. */
  static of(src: Source, argList: SyntaxNode | null): LazyArgs {
    return new LazyArgs(() => callArguments(src, argList));
  }

  get(): CallArg[] {
    if (this.#value === undefined) {
      this.#value = this.#compute!();
      this.#compute = undefined;
    }
    return this.#value;
  }

  set(value: CallArg[]): void {
    this.#value = value;
    this.#compute = undefined;
  }
}

/**
 * The `args` accessor of a call whose arguments are {@link LazyArgs}: computed on first read,
 * replaceable by assignment.
 */
export abstract class WithLazyArgs {
  readonly #args: LazyArgs;

  constructor(args: LazyArgs) {
    this.#args = args;
  }

  get args(): CallArg[] {
    return this.#args.get();
  }

  set args(value: CallArg[]) {
    this.#args.set(value);
  }
}

/**
 * A {@link PyCall} whose `args` is a getter over {@link LazyArgs}. A class rather than an
 * object literal with an accessor because V8 creates those far more slowly. Note that
 * spreading (`{...value}`) does not copy a getter from the prototype; `toJSON` does include it.
 */
class PyCallValue extends WithLazyArgs implements PyCall {
  constructor(
    readonly call: string,
    args: LazyArgs,
  ) {
    super(args);
  }

  toJSON(): PyCall {
    return { call: this.call, args: this.args };
  }
}

/**
 * `args` as they read after `lines` lines were inserted above them (removed when negative),
 * nested call values included. The values of nested calls are shifted when they are read, so
 * a shifted copy costs nothing until a rule looks into it.
 */
export function shiftArgs(args: readonly CallArg[], lines: number): CallArg[] {
  return args.map((a) => {
    const shifted: CallArg = { ...a, range: shiftRange(a.range, lines) };
    if (a.value !== undefined) shifted.value = shiftValue(a.value, lines);
    return shifted;
  });
}

function shiftValue(value: PyLiteralValue, lines: number): PyLiteralValue {
  if (Array.isArray(value)) return value.map((v) => shiftValue(v, lines));
  if (value === null || typeof value !== 'object') return value;
  return new PyCallValue(value.call, new LazyArgs(() => shiftArgs(value.args, lines)));
}

/**
 * A string naming a database object: the literal itself or the literal inside `op.f(...)`
 * (or another naming helper whose first argument is a literal, such as `sa.quoted_name`).
 */
export function literalName(value: PyLiteralValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const first = value.args[0];
    if (first && first.keyword === undefined && typeof first.value === 'string') return first.value;
  }
  return undefined;
}

function sequenceValue(src: Source, node: SyntaxNode): PyLiteralValue[] | undefined {
  const items: PyLiteralValue[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    const name = c.name;
    if (name === '(' || name === ')' || name === '[' || name === ']' || name === ',' || name === 'Comment') continue;
    const v = literalValue(src, c);
    if (v === undefined) return undefined;
    items.push(v);
  }
  return items;
}

function numberValue(source: string): number | undefined {
  const s = source.replace(/_/g, '');
  if (/[jJ]$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}

/** Keeps `value` off the object when unknown, so that results compare and print cleanly. */
function setValue(arg: CallArg, value: PyLiteralValue | undefined): void {
  if (value !== undefined) arg.value = value;
}
