import type { SyntaxNode } from '@lezer/common';
import type { Bindings } from './bindings';
import { applyDedent, applyPercentFormat, applyStrFormat, applyStrip } from './formatting';
import { DYNAMIC_PLACEHOLDER, evaluateConcatenation } from './literals';
import { MappedString, MappedStringBuilder } from './mappedString';
import { callParts, dottedName, firstArgument, memberParts, stringPieces, unparenthesize } from './syntax';

/** A string expression evaluated as far as it can be without running Python. */
export interface EvaluatedString {
  value: MappedString;
  dynamic: boolean;
}

/** The statement passed to an execute call, unwrapped and evaluated. */
export interface ExtractedSql extends EvaluatedString {
  wrappedInText: boolean;
  /** Where the string expression is: the bound value when the argument was a name. */
  rangeNode: SyntaxNode;
}

// Following names through bindings can chain (`a = b + c; b = ...`); real code never needs
// more than a handful of steps, and the cap keeps malformed input from costing time.
const MAX_DEPTH = 24;

// Methods that return the same SQL text with options attached: `text("...").bindparams(x=1)`.
const PASS_THROUGH_METHODS = new Set(['bindparams', 'columns', 'execution_options']);

/**
 * Evaluates SQL arguments: literals, implicit and `+` concatenation, `%` and `.format()`
 * formatting, f-strings, `textwrap.dedent`, `.strip()`, names bound to any of those, and the
 * `text(...)` wrapper around them.
 */
export class SqlEvaluator {
  constructor(
    private readonly text: string,
    private readonly bindings: Bindings,
  ) {}

  /** The SQL of an execute call's statement argument, or undefined when it is not a string. */
  extract(arg: SyntaxNode): ExtractedSql | undefined {
    let node = unparenthesize(arg);
    let wrappedInText = false;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const call = callParts(node);
      if (call) {
        const callee = dottedName(this.text, call.callee);
        if (callee === 'text' || (callee !== undefined && callee.endsWith('.text'))) {
          const inner = firstArgument(call.args, 'text', this.text);
          if (!inner) return undefined;
          node = unparenthesize(inner);
          wrappedInText = true;
          continue;
        }
        const member = memberParts(this.text, call.callee);
        if (member && PASS_THROUGH_METHODS.has(member.property)) {
          node = unparenthesize(member.object);
          continue;
        }
      }
      if (node.name === 'VariableName') {
        const b = this.bindings.lookup(this.text.slice(node.from, node.to), node.from);
        const bound = b?.kind === 'assign' ? unparenthesize(b.value) : undefined;
        if (bound && bound.name === 'CallExpression') {
          node = bound;
          continue;
        }
      }
      break;
    }
    const evaluated = this.evaluate(node, 0);
    if (!evaluated) return undefined;
    return { ...evaluated, wrappedInText, rangeNode: this.rangeNode(node, 0) };
  }

  /** Evaluates a str expression; undefined when no part of it is a known string. */
  evaluate(node: SyntaxNode, depth: number): EvaluatedString | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const n = unparenthesize(node);
    switch (n.name) {
      case 'String':
      case 'ContinuedString':
      case 'FormatString': {
        const r = evaluateConcatenation(this.text, stringPieces(n));
        return r && !r.isBytes ? { value: r.value, dynamic: r.dynamic } : undefined;
      }
      case 'BinaryExpression':
        return this.binary(n, depth);
      case 'CallExpression':
        return this.call(n, depth);
      case 'VariableName':
        return this.name(this.text.slice(n.from, n.to), n.from, depth);
      default:
        return undefined;
    }
  }

  private binary(node: SyntaxNode, depth: number): EvaluatedString | undefined {
    const left = node.firstChild;
    const op = left?.nextSibling;
    const right = node.lastChild;
    if (!left || !op || !right || right === op) return undefined;
    const operator = this.text.slice(op.from, op.to);
    if (operator === '%') {
      const l = this.evaluate(left, depth + 1);
      if (!l) return undefined;
      const t = applyPercentFormat(l.value);
      return { value: t.value, dynamic: l.dynamic || t.dynamic };
    }
    if (operator !== '+') return undefined;
    const l = this.evaluate(left, depth + 1);
    const r = this.evaluate(right, depth + 1);
    if (!l && !r) return undefined;
    return {
      value: MappedString.concat([l?.value ?? placeholder(left), r?.value ?? placeholder(right)]),
      dynamic: !l || !r || l.dynamic || r.dynamic,
    };
  }

  private call(node: SyntaxNode, depth: number): EvaluatedString | undefined {
    const parts = callParts(node);
    if (!parts) return undefined;
    const callee = dottedName(this.text, parts.callee);
    if (callee === 'dedent' || callee === 'textwrap.dedent') {
      const inner = firstArgument(parts.args);
      const v = inner && this.evaluate(inner, depth + 1);
      return v && { value: applyDedent(v.value), dynamic: v.dynamic };
    }
    const member = memberParts(this.text, parts.callee);
    if (!member) return undefined;
    if (member.property === 'format') {
      const v = this.evaluate(member.object, depth + 1);
      if (!v) return undefined;
      const t = applyStrFormat(v.value);
      return { value: t.value, dynamic: v.dynamic || t.dynamic };
    }
    if (member.property === 'strip' || member.property === 'lstrip' || member.property === 'rstrip') {
      // With an argument, strip removes other characters; only the whitespace form is modelled.
      if (parts.args && firstArgument(parts.args)) return undefined;
      const v = this.evaluate(member.object, depth + 1);
      return v && { value: applyStrip(v.value, member.property), dynamic: v.dynamic };
    }
    return undefined;
  }

  private name(name: string, pos: number, depth: number): EvaluatedString | undefined {
    // `sql += ...` recurses here for each earlier statement, so the depth is checked here too:
    // ten thousand such lines overflowed the stack.
    if (depth > MAX_DEPTH) return undefined;
    const b = this.bindings.lookup(name, pos);
    if (!b || b.kind === 'opaque') return undefined;
    if (b.kind === 'assign') return this.evaluate(b.value, depth + 1);
    const before = this.name(name, b.statementFrom, depth + 1);
    const added = this.evaluate(b.value, depth + 1);
    if (!before && !added) return undefined;
    return {
      value: MappedString.concat([before?.value ?? placeholderAt(b.statementFrom), added?.value ?? placeholder(b.value)]),
      dynamic: !before || !added || before.dynamic || added.dynamic,
    };
  }

  /** The expression a name stands for, following plain assignments; otherwise `node` itself. */
  private rangeNode(node: SyntaxNode, depth: number): SyntaxNode {
    if (node.name !== 'VariableName' || depth > MAX_DEPTH) return node;
    const b = this.bindings.lookup(this.text.slice(node.from, node.to), node.from);
    return b?.kind === 'assign' ? this.rangeNode(unparenthesize(b.value), depth + 1) : node;
  }
}

function placeholder(node: SyntaxNode): MappedString {
  const b = new MappedStringBuilder(node.from);
  b.opaque(DYNAMIC_PLACEHOLDER, node.from, node.to);
  return b.build();
}

function placeholderAt(offset: number): MappedString {
  const b = new MappedStringBuilder(offset);
  b.opaque(DYNAMIC_PLACEHOLDER, offset, offset);
  return b.build();
}
