import type { SyntaxNode, SyntaxNodeRef, Tree } from '@lezer/common';
import type { Problem } from '../types';
import type { LineIndex } from './positions';

/**
 * Subtrees already known to hold no fault, so that a keystroke does not search the whole file
 * again. Every check below looks only inside the node it is given and its ancestors up to the
 * nearest `Body`, so a statement of a function body that was free of faults stays free of them
 * as long as its own text and syntax are the same.
 */
export interface KnownClean {
  /** Whether the subtree at `node` is known to be free of faults; asked on entering each node, in tree order. */
  isClean(node: SyntaxNodeRef): boolean;
  /** Told about each node whose whole subtree was searched without finding a fault. */
  searched(node: SyntaxNodeRef): void;
}

/** Where Python would stop reading the file, and why. */
interface SyntaxFault {
  from: number;
  to: number;
  what: string;
}

const OPENING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Finds the first place Python 3 would refuse to compile, as a `python-syntax` problem.
 *
 * Lezer recovers from errors with `⚠` nodes, and those are reported. It also accepts a few
 * things Python 3 does not: Python 2's `print "x"`, `except E, e:`, `raise E, "m"`, `<>` and
 * `0777`, and a single-quoted string cut off by the end of its line. Those are checked for
 * separately. Only the first fault is reported, as Python does: later errors are often
 * consequences of the first one and would only add noise.
 */
export function findSyntaxProblem(tree: Tree, text: string, lines: LineIndex, path: string, known?: KnownClean): Problem | undefined {
  const fault = firstFault(tree, text, lines, known);
  if (!fault) return undefined;
  const range = lines.rangeOf(fault.from, fault.to);
  return {
    code: 'python-syntax',
    message: `Python cannot parse line ${range.start.line + 1}, column ${range.start.character + 1}: ${fault.what}`,
    file: path,
    range,
  };
}

function firstFault(tree: Tree, text: string, lines: LineIndex, known: KnownClean | undefined): SyntaxFault | undefined {
  let fault: SyntaxFault | undefined;
  // Pre-order visits nodes by increasing start offset, so the first fault found is the first
  // in the file and the walk can stop there.
  tree.iterate({
    leave: known && ((ref) => {
      if (!fault) known.searched(ref);
    }),
    enter: (ref) => {
      if (fault || known?.isClean(ref)) return false;
      if (ref.type.isError) {
        const node = ref.node;
        if (!inParenthesizedWithHeader(node) && !isBareYield(node)) fault = errorFault(node, text, lines);
        return false;
      }
      switch (ref.name) {
        case 'PrintStatement':
          fault = { from: ref.from, to: ref.to, what: "Missing parentheses in call to 'print' (Python 2 syntax)" };
          return false;
        case 'CompareOp':
          if (text.slice(ref.from, ref.to) === '<>') fault = { from: ref.from, to: ref.to, what: "'<>' is Python 2 syntax, use '!='" };
          return undefined;
        case 'Number':
          if (/^0+[1-9][0-9_]*$/.test(text.slice(ref.from, ref.to))) {
            fault = { from: ref.from, to: ref.to, what: 'leading zeros in decimal integer literals are not permitted (Python 2 octal)' };
          }
          return undefined;
        case 'String':
        case 'FormatString':
          fault = unterminated(text, ref.from, ref.to);
          return undefined;
        case 'RaiseStatement':
        case 'TryStatement':
          fault = python2Comma(ref.node);
          return undefined;
        default:
          return undefined;
      }
    },
  });
  return fault;
}

/**
 * Lezer's grammar predates Python 3.10's parenthesized with-items, `with (a as b, c as d):`,
 * and marks them as errors. Errors in the header of a `with` whose items open with a
 * parenthesis are therefore not reported; a real mistake there is rare and Python will
 * still name it when the migration runs.
 */
function inParenthesizedWithHeader(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.name === 'Body') return false;
    if (p.name !== 'WithStatement') continue;
    const first = p.firstChild?.nextSibling;
    const body = p.getChild('Body');
    return !!first && first.name === 'ParenthesizedExpression' && (!body || node.from < body.from);
  }
  return false;
}

/**
 * Lezer's grammar wants a value after `yield` and marks a bare `yield` (a statement, or
 * `x = yield`) with an empty error node; Python accepts both.
 */
function isBareYield(node: SyntaxNode): boolean {
  const parent = node.parent;
  let before = node.prevSibling;
  while (before && before.name === 'Comment') before = before.prevSibling;
  return node.from === node.to && before?.name === 'yield' && (parent?.name === 'YieldStatement' || parent?.name === 'YieldExpression');
}

/** `raise E, "msg"` and `except E, e:`, which lezer reads without complaint. */
function python2Comma(node: SyntaxNode): SyntaxFault | undefined {
  let clauseStart = -1;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'raise' || c.name === 'except') clauseStart = c.to;
    else if (c.name === 'Body' || c.name === 'as') clauseStart = -1;
    else if (c.name === ',' && clauseStart >= 0) {
      // CPython points at the comma of a raise but at the start of the exception list of an except.
      if (node.name === 'RaiseStatement') {
        return { from: c.from, to: c.to, what: "'raise E, value' is Python 2 syntax, use 'raise E(value)'" };
      }
      const first = node.childAfter(clauseStart);
      const from = first ? first.from : c.from;
      const to = c.nextSibling && c.nextSibling.name !== 'Body' ? c.nextSibling.to : c.to;
      return { from, to, what: "'except E, name' is Python 2 syntax, use 'except E as name'" };
    }
  }
  return undefined;
}

function errorFault(node: SyntaxNode, text: string, lines: LineIndex): SyntaxFault {
  const unclosed = innermostUnclosedBracket(node);
  if (unclosed && lines.lineAt(unclosed.from) !== lines.lineAt(node.from)) {
    return { from: unclosed.from, to: unclosed.to, what: `'${text[unclosed.from]}' was never closed` };
  }
  const lineStart = lines.lineStart(lines.lineAt(node.from));
  const exec = /^([ \t]*)exec[ \t]+$/.exec(text.slice(lineStart, node.from));
  if (exec) {
    const from = lineStart + exec[1].length;
    return { from, to: from + 4, what: "Missing parentheses in call to 'exec' (Python 2 syntax)" };
  }
  if (node.to > node.from) {
    return { from: node.from, to: node.to, what: `unexpected ${quoteToken(text.slice(node.from, node.to))}` };
  }
  // An empty error node marks where the parser expected something else: name what is there.
  let from = node.from;
  while (from < text.length && (text[from] === ' ' || text[from] === '\t')) from++;
  if (from >= text.length) return { from, to: from, what: 'unexpected end of file' };
  if (text[from] === '\n' || text[from] === '\r') return { from, to: from, what: 'unexpected end of line' };
  const word = /^[\p{L}\p{N}_]+/u.exec(text.slice(from, from + 80));
  const to = from + (word ? word[0].length : 1);
  return { from, to, what: `unexpected ${quoteToken(text.slice(from, to))}` };
}

/** The innermost bracket around `node` that opened but never got its closing partner. */
function innermostUnclosedBracket(node: SyntaxNode): { from: number; to: number } | undefined {
  for (let p = node.parent; p; p = p.parent) {
    const first = p.firstChild;
    const last = p.lastChild;
    if (!first || !last) continue;
    const close = OPENING[first.name];
    if (close !== undefined && first !== last && last.name !== close) return { from: first.from, to: first.to };
    if (close !== undefined && first === last) return { from: first.from, to: first.to };
  }
  return undefined;
}

/** A string token lezer ended at the end of the line or file instead of at its closing quote. */
function unterminated(text: string, from: number, to: number): SyntaxFault | undefined {
  let i = from;
  while (i < to && isPrefixLetter(text.charCodeAt(i))) i++;
  const quote = text[i];
  if (quote !== '"' && quote !== "'") return undefined;
  const q = quote.charCodeAt(0);
  const triple = to - i >= 3 && text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  const closeLength = triple ? 3 : 1;
  let closed = to - i >= closeLength * 2;
  for (let k = 1; closed && k <= closeLength; k++) closed = text.charCodeAt(to - k) === q;
  if (closed) {
    let backslashes = 0;
    for (let j = to - closeLength - 1; j >= i + closeLength && text[j] === '\\'; j--) backslashes++;
    closed = backslashes % 2 === 0;
  }
  if (closed) return undefined;
  const what = triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
  return { from: i, to: triple ? i + 3 : to, what };
}

function isPrefixLetter(ch: number): boolean {
  const lower = ch | 0x20;
  return lower === 0x72 || lower === 0x75 || lower === 0x62 || lower === 0x66; // r u b f
}

function quoteToken(s: string): string {
  const firstLine = s.split(/\r\n|\r|\n/)[0];
  const shown = firstLine.length > 30 ? `${firstLine.slice(0, 30)}…` : firstLine;
  return `'${shown}'`;
}
