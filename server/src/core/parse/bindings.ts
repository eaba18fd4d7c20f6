import type { SyntaxNode } from '@lezer/common';

/**
 * What a name was last bound to. Only `name = expr` and `name += expr` are followed; any
 * other binding (a `for` target, `with ... as name`, tuple unpacking, an import) hides the
 * earlier value without giving a new one, so a later use is not mistaken for the old value.
 */
export type Binding =
  | { kind: 'assign'; at: number; value: SyntaxNode }
  | { kind: 'augment'; at: number; statementFrom: number; value: SyntaxNode }
  | { kind: 'opaque'; at: number };

/**
 * Name bindings of one function body, falling back to the module's.
 *
 * Control flow is ignored on purpose: the binding used is the last one that ends before the
 * use in source order. That is right for straight-line migration code, which is nearly all of
 * it, and costs one binary search per lookup instead of a data-flow analysis per keystroke.
 */
export class Bindings {
  private readonly local = new Map<string, Binding[]>();
  /**
   * How many times a binding was added or looked up. A statement during which this did not
   * change neither depends on other statements' bindings nor makes any (see StatementReuse).
   */
  uses = 0;

  constructor(
    private readonly module: ReadonlyMap<string, readonly Binding[]>,
    private readonly scopeFrom: number,
    private readonly scopeTo: number,
  ) {}

  /** Bindings must be added in source order, which is the walk order. */
  add(name: string, binding: Binding): void {
    this.uses++;
    const list = this.local.get(name);
    if (list) list.push(binding);
    else this.local.set(name, [binding]);
  }

  /** The binding of `name` as seen at offset `pos`. */
  lookup(name: string, pos: number): Binding | undefined {
    this.uses++;
    const inScope = pos >= this.scopeFrom && pos <= this.scopeTo;
    if (inScope) {
      const local = lastBefore(this.local.get(name), pos);
      if (local) return local;
    }
    // A function runs after the whole module has executed, so it sees the module's last
    // binding; module-level code (a constant built from another) sees the bindings before it.
    return lastBefore(this.module.get(name), inScope ? Infinity : pos);
  }
}

function lastBefore(list: readonly Binding[] | undefined, pos: number): Binding | undefined {
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].at <= pos) return list[i];
  }
  return undefined;
}

/** Records the bindings a module-level or function-level statement makes. */
export function bindingsOfStatement(
  text: string,
  statement: SyntaxNode,
  add: (name: string, binding: Binding) => void,
): void {
  const at = statement.to;
  switch (statement.name) {
    case 'AssignStatement': {
      const segments: SyntaxNode[][] = [[]];
      for (let c = statement.firstChild; c; c = c.nextSibling) {
        if (c.name === 'AssignOp') segments.push([]);
        else if (c.name !== 'Comment') segments[segments.length - 1].push(c);
      }
      if (segments.length < 2) return;
      const value = segments[segments.length - 1];
      const single = value.length === 1 && !value[0].type.isError ? value[0] : undefined;
      for (const target of segments.slice(0, -1)) {
        const plain = target.length === 1 || (target.length === 2 && target[1].name === 'TypeDef');
        for (const t of target) {
          if (t.name !== 'VariableName') continue;
          const name = text.slice(t.from, t.to);
          add(name, plain && single ? { kind: 'assign', at, value: single } : { kind: 'opaque', at });
        }
      }
      return;
    }
    case 'UpdateStatement': {
      const target = statement.firstChild;
      const op = target?.nextSibling;
      const value = statement.lastChild;
      if (!target || target.name !== 'VariableName' || !op || !value || value === op) return;
      const name = text.slice(target.from, target.to);
      const isConcat = text.slice(op.from, op.to) === '+=';
      add(name, isConcat ? { kind: 'augment', at, statementFrom: statement.from, value } : { kind: 'opaque', at });
      return;
    }
    case 'ForStatement': {
      // The loop target sits between `for` and `in`; each of its names is rebound per item.
      for (let c = statement.firstChild?.nextSibling ?? null; c && c.name !== 'in'; c = c.nextSibling) {
        for (const name of namesIn(text, c)) add(name, { kind: 'opaque', at: c.to });
      }
      return;
    }
    default:
      return;
  }
}

/** Variable names bound by a target expression (`x`, `(a, b)`, `[a, *b]`). */
export function namesIn(text: string, target: SyntaxNode): string[] {
  if (target.name === 'VariableName') return [text.slice(target.from, target.to)];
  if (target.name !== 'TupleExpression' && target.name !== 'ArrayExpression' && target.name !== 'ParenthesizedExpression') {
    return [];
  }
  const out: string[] = [];
  for (let c = target.firstChild; c; c = c.nextSibling) out.push(...namesIn(text, c));
  return out;
}
