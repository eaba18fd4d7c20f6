import type { SyntaxNode } from '@lezer/common';
import type { IdLiteral, RevisionAssignment } from '../revisionHeader';
import { evaluateConcatenation } from './literals';
import type { Source } from './pyValues';
import { stringPieces, unparenthesize } from './syntax';

/** One plain assignment statement, split into its name targets and its value. */
export interface SimpleAssignment {
  /** Names assigned the value: `a = b = v` gives both; tuple targets give none. */
  names: string[];
  /** The value's expressions: one node, or the items of an unparenthesized tuple (`= "a", "b"`). */
  value: SyntaxNode[];
  statement: SyntaxNode;
}

/**
 * Splits `AssignStatement` children, which lezer lays out flat: targets (each possibly with a
 * type annotation) separated by `=`, then the value, whose commas make an implicit tuple.
 */
export function splitAssignment(text: string, statement: SyntaxNode): SimpleAssignment | undefined {
  const segments: SyntaxNode[][] = [[]];
  for (let c = statement.firstChild; c; c = c.nextSibling) {
    if (c.name === 'Comment') continue;
    if (c.name === 'AssignOp') segments.push([]);
    else segments[segments.length - 1].push(c);
  }
  if (segments.length < 2) return undefined;
  const valueSegment = segments[segments.length - 1];
  const value = valueSegment.filter((c) => c.name !== ',');
  if (value.length === 0 || value.some((c) => c.type.isError)) return undefined;
  const names: string[] = [];
  for (const target of segments.slice(0, -1)) {
    const first = target[0];
    const annotatedOrPlain = target.length === 1 || (target.length === 2 && target[1].name === 'TypeDef');
    if (first && first.name === 'VariableName' && annotatedOrPlain) names.push(text.slice(first.from, first.to));
  }
  // A trailing comma (`= "a",`) also makes a tuple even with a single item.
  const isTuple = value.length > 1 || valueSegment[valueSegment.length - 1]?.name === ',';
  return { names, value: isTuple ? valueSegment : value, statement };
}

/** Builds the {@link RevisionAssignment} for `revision`, `down_revision` and friends. */
export function revisionAssignment(src: Source, a: SimpleAssignment): RevisionAssignment {
  const first = a.value[0];
  const last = a.value[a.value.length - 1];
  const isImplicitTuple = a.value.length > 1 || last.name === ',';
  const node = unparenthesize(first);
  const literals: IdLiteral[] = [];
  let ids: string[] | undefined;
  let isNone = false;

  if (isImplicitTuple) {
    ids = itemIds(src, a.value, literals);
  } else if (node.name === 'None') {
    ids = [];
    isNone = true;
  } else if (node.name === 'TupleExpression' || node.name === 'ArrayExpression') {
    const items: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) items.push(c);
    ids = itemIds(src, items, literals);
  } else {
    const single = idLiteral(src, node);
    if (single) {
      literals.push(single);
      ids = [single.value];
    }
  }
  return {
    ids,
    isNone,
    text: src.text.slice(first.from, last.to),
    range: src.lines.rangeOf(a.statement.from, trimmedEnd(src.text, a.statement)),
    valueRange: src.lines.rangeOf(first.from, last.to),
    // An unresolved value has no ids, so none of its pieces is offered as one.
    literals: ids === undefined ? [] : literals,
  };
}

/**
 * Ids of a tuple or list's items, collecting their literals. Any item that is not a str
 * literal (a name, a number, None, a nested tuple) makes the whole value unknown, because
 * Alembic would not get a sequence of revision ids out of it.
 */
function itemIds(src: Source, items: SyntaxNode[], literals: IdLiteral[]): string[] | undefined {
  let ids: string[] | undefined = [];
  for (const item of items) {
    const name = item.name;
    if (name === '(' || name === ')' || name === '[' || name === ']' || name === ',' || name === 'Comment') continue;
    const lit = idLiteral(src, item);
    if (lit) {
      literals.push(lit);
      ids?.push(lit.value);
    } else {
      ids = undefined;
    }
  }
  return ids;
}

/**
 * A str literal usable as an id. f-strings are refused even without fields, and so are
 * bytes: Alembic would not find such a revision, and the fast scanner treats them the same.
 */
function idLiteral(src: Source, node: SyntaxNode): IdLiteral | undefined {
  const n = unparenthesize(node);
  if (n.name !== 'String' && n.name !== 'ContinuedString') return undefined;
  const r = evaluateConcatenation(src.text, stringPieces(n));
  if (!r || r.isBytes || r.isFString) return undefined;
  return { value: r.value.value, range: src.lines.rangeOf(n.from, n.to) };
}

/** Lezer statements end after their newline; ranges should end at the last character. */
export function trimmedEnd(text: string, node: SyntaxNode): number {
  let end = node.to;
  while (end > node.from && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

function isSpace(ch: number): boolean {
  return ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 12;
}
