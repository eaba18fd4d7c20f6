import { TreeFragment, type ChangedRange, type Input, type SyntaxNode, type Tree } from '@lezer/common';
import { parser } from '@lezer/python';

/**
 * A parsed text kept for the next parse. Lezer reuses the unchanged subtrees of `tree`, so a
 * keystroke in a long migration reparses only the statements around the edit.
 */
export interface ParsedText {
  readonly text: string;
  readonly tree: Tree;
}

/**
 * Parses `text` with @lezer/python, reusing `previous` when given. `changes` are the edits
 * from `previous.text` to `text` as lezer describes them (offsets in the old text, then in
 * the new one); when they are omitted they are inferred as one edit spanning everything
 * between the longest common prefix and suffix, which is exact for a single edit and still
 * correct (just less reuse) for several. With `budget` (see {@link parseBudget}), a parse that
 * reads the text more often throws {@link ParseTooSlowError}.
 */
export function parsePython(text: string, previous?: ParsedText, changes?: readonly ChangedRange[], budget?: number): Tree {
  // Lezer's incremental parse of a text that does not end with a line break can close the
  // last function's block differently than a parse from scratch (about 2% of one-character
  // edits of real migrations: `upgrade()` then swallows `downgrade()`), so such a text, or one
  // whose previous version was such a text, is parsed whole. Found by fuzzing; VS Code does
  // not add a final newline unless told to, so the editor meets these files.
  if (!previous || !endsWithLineBreak(text) || !endsWithLineBreak(previous.text)) return run(text, undefined, budget);
  const ranges = changes ?? inferChanges(previous.text, text);
  if (ranges.length === 0 && previous.text === text) return previous.tree;
  const fragments = TreeFragment.applyChanges(TreeFragment.addTree(previous.tree), ranges);
  return run(text, fragments, budget);
}

/**
 * Thrown by {@link parsePython} when a parse runs past its budget. Lezer's error recovery can
 * take time quadratic in the length of a line: a 130,000-character line of unbalanced quotes and
 * brackets took 7 to 29 s (found by the long fuzz run), where a parse of a real migration of that
 * size takes milliseconds.
 */
export class ParseTooSlowError extends Error {
  constructor() {
    super('the parse ran past its budget');
  }
}

/** Lezer reads the text through this many characters at a time, so that its reads can be counted. */
const CHUNK = 1024;

/**
 * How many reads of the text a parse of `length` characters may make: 1,000 per chunk of it
 * (plus ten chunks, for short texts). It counts the tokenizers' work, so a parse gives up at the
 * same point on every machine and under any load, and the editor and the CLI agree. Real
 * migrations take at most about 80 reads per chunk (the corpus, its 50,000-line neighbours) and
 * 120 when broken by random edits; lezer stuck in error recovery on a long line takes thousands.
 */
export function parseBudget(length: number): number {
  return 1000 * (10 + Math.ceil(length / CHUNK));
}

function run(text: string, fragments: readonly TreeFragment[] | undefined, budget: number | undefined): Tree {
  if (budget === undefined) return parser.parse(text, fragments);
  let reads = 0;
  const count = (): void => {
    if (++reads > budget) throw new ParseTooSlowError();
  };
  const input: Input = {
    length: text.length,
    lineChunks: false,
    chunk(from) {
      count();
      return text.slice(from, Math.min(text.length, from - (from % CHUNK) + CHUNK));
    },
    read(from, to) {
      count();
      return text.slice(from, to);
    },
  };
  return parser.parse(input, fragments);
}

function endsWithLineBreak(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 10 || last === 13;
}

/** One edit covering the part of the texts that differs. */
export function inferChanges(before: string, after: string): ChangedRange[] {
  if (before === after) return [];
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  // Comparing blocks first is several times faster than comparing characters one by one.
  const block = 1024;
  while (prefix + block <= max && before.slice(prefix, prefix + block) === after.slice(prefix, prefix + block)) {
    prefix += block;
  }
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix + block <= max - prefix &&
    before.slice(before.length - suffix - block, before.length - suffix) ===
      after.slice(after.length - suffix - block, after.length - suffix)
  ) {
    suffix += block;
  }
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  return [{ fromA: prefix, toA: before.length - suffix, fromB: prefix, toB: after.length - suffix }];
}

/** The children of `node` that carry meaning: comments are left out. */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name !== 'Comment') out.push(c);
  }
  return out;
}

/** Strips redundant parentheses: `("abc")` is the same expression as `"abc"` to Python. */
export function unparenthesize(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.name === 'ParenthesizedExpression') {
    const inner = childrenOf(n).filter((c) => c.name !== '(' && c.name !== ')');
    if (inner.length !== 1) break;
    n = inner[0];
  }
  return n;
}

export function isStringNode(node: SyntaxNode): boolean {
  return node.name === 'String' || node.name === 'ContinuedString' || node.name === 'FormatString';
}

/** The literal pieces of a string expression: itself, or the pieces of an implicit concatenation. */
export function stringPieces(node: SyntaxNode): { from: number; to: number }[] {
  if (node.name !== 'ContinuedString') return [{ from: node.from, to: node.to }];
  const out: { from: number; to: number }[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'String' || c.name === 'FormatString') out.push({ from: c.from, to: c.to });
    else if (c.type.isError) return [];
  }
  return out;
}

/**
 * The dotted name a callee or attribute chain spells (`op.f`, `sa.Column`,
 * `sqlalchemy.sql.text`), or undefined when it is anything else (a call result, a subscript).
 */
export function dottedName(text: string, node: SyntaxNode): string | undefined {
  if (node.name === 'VariableName') return text.slice(node.from, node.to);
  if (node.name !== 'MemberExpression') return undefined;
  const object = node.firstChild;
  const property = node.lastChild;
  if (!object || !property || property.name !== 'PropertyName') return undefined;
  const base = dottedName(text, object);
  return base === undefined ? undefined : `${base}.${text.slice(property.from, property.to)}`;
}

/** For `a.b`: the object `a` and the property name `b`; undefined for other nodes. */
export function memberParts(
  text: string,
  node: SyntaxNode,
): { object: SyntaxNode; property: string } | undefined {
  if (node.name !== 'MemberExpression') return undefined;
  const object = node.firstChild;
  const property = node.lastChild;
  if (!object || !property || property.name !== 'PropertyName') return undefined;
  return { object, property: text.slice(property.from, property.to) };
}

/** For a call: its callee and argument list. */
export function callParts(node: SyntaxNode): { callee: SyntaxNode; args: SyntaxNode | null } | undefined {
  if (node.name !== 'CallExpression') return undefined;
  const callee = node.firstChild;
  if (!callee) return undefined;
  const args = node.lastChild;
  return { callee, args: args && args.name === 'ArgList' ? args : null };
}

/**
 * The expressions of an argument list, split at commas, comments and error nodes left out.
 * Each group is one argument: `[VariableName, AssignOp, value]` for a keyword argument,
 * `[*, expr]` for unpacking, and a single node for an ordinary positional argument.
 */
export function argumentGroups(argList: SyntaxNode): SyntaxNode[][] {
  const groups: SyntaxNode[][] = [];
  let current: SyntaxNode[] = [];
  for (let c = argList.firstChild; c; c = c.nextSibling) {
    const name = c.name;
    if (name === '(' || name === ')' || name === 'Comment' || c.type.isError) continue;
    if (name === ',') {
      if (current.length > 0) groups.push(current);
      current = [];
    } else {
      current.push(c);
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The first positional argument of a call, or the value of keyword `keyword`. */
export function firstArgument(argList: SyntaxNode | null, keyword?: string, text?: string): SyntaxNode | undefined {
  if (!argList) return undefined;
  const groups = argumentGroups(argList);
  for (const g of groups) {
    if (g.length === 1 && g[0].name !== '*' && g[0].name !== '**') return g[0];
  }
  if (keyword && text) {
    for (const g of groups) {
      if (g.length === 3 && g[1].name === 'AssignOp' && text.slice(g[0].from, g[0].to) === keyword) return g[2];
    }
  }
  return undefined;
}
