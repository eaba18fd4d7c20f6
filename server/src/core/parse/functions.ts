import type { SyntaxNode } from '@lezer/common';
import { trimmedEnd } from './assignments';
import { dialectGuardsOf, type DialectScope } from './dialectGuards';
import { existenceGuardsOf } from './existenceGuards';
import { type ModuleScope, walkFunctionBody } from './opCalls';
import type { Source } from './pyValues';
import type { StatementReuse } from './statementCache';
import { childrenOf, unparenthesize } from './syntax';
import type { MigrationFunction } from './types';

const MIGRATION_NAME = /^(upgrade|downgrade)(?:_(\w+))?$/;

/** Direction and engine of a migration function name; undefined for other functions. */
export function migrationFunctionKind(
  name: string,
): { direction: 'upgrade' | 'downgrade'; engine: string } | undefined {
  const m = MIGRATION_NAME.exec(name);
  if (!m) return undefined;
  return { direction: m[1] === 'upgrade' ? 'upgrade' : 'downgrade', engine: m[2] ?? '' };
}

/**
 * Builds the {@link MigrationFunction} for a `FunctionDefinition` node, or undefined if it is
 * not one. `reuse` carries the previous parse's statements (see StatementReuse).
 */
export function migrationFunction(src: Source, scope: ModuleScope & { dialects: DialectScope }, fn: SyntaxNode, reuse?: StatementReuse): MigrationFunction | undefined {
  const nameNode = fn.getChild('VariableName');
  const body = fn.getChild('Body');
  if (!nameNode || !body) return undefined;
  const name = src.text.slice(nameNode.from, nameNode.to);
  const kind = migrationFunctionKind(name);
  if (!kind) return undefined;

  const end = trimmedEnd(src.text, body);
  const colon = body.firstChild;
  const firstInBody = colon && colon.name === ':' ? colon.nextSibling : body.firstChild;
  const bodyFrom = firstInBody ? firstInBody.from : (colon?.to ?? body.from);
  const { opCalls, sql } = walkFunctionBody(src, scope, fn, body, reuse);
  return {
    name,
    direction: kind.direction,
    engine: kind.engine,
    range: src.lines.rangeOf(fn.from, end),
    nameRange: src.lines.rangeOf(nameNode.from, nameNode.to),
    bodyRange: src.lines.rangeOf(Math.min(bodyFrom, end), end),
    isEmpty: isEmpty(body),
    raisesNotImplemented: raisesNotImplemented(src.text, firstStatements(body)),
    alwaysRaises: alwaysRaises(body),
    opCalls,
    sql,
    // Guards are read from the whole function at every parse (never from the statement
    // cache): they are few and cheap, and a keystroke in one `if` changes what the code after it runs under.
    dialectGuards: dialectGuardsOf(src, scope.dialects, fn, body),
    existenceGuards: existenceGuardsOf(src, fn, body),
  };
}

/** Whether every statement of the body is a no-op; stops at the first one that is not. */
function isEmpty(body: SyntaxNode): boolean {
  for (let c = body.firstChild; c; c = c.nextSibling) {
    if (c.name !== ':' && c.name !== 'Comment' && !isNoOp(c)) return false;
  }
  return true;
}

/** The first two statements of a body, which is all `raisesNotImplemented` looks at. */
function firstStatements(body: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = body.firstChild; c && out.length < 2; c = c.nextSibling) {
    if (c.name !== ':' && c.name !== 'Comment') out.push(c);
  }
  return out;
}

/** `pass`, `...` or a bare string (a docstring or a commented-out block in quotes). */
function isNoOp(statement: SyntaxNode): boolean {
  if (statement.name === 'PassStatement') return true;
  if (statement.name !== 'ExpressionStatement') return false;
  const parts = childrenOf(statement);
  if (parts.length !== 1) return false;
  const expr = unparenthesize(parts[0]);
  if (expr.name === 'Ellipsis') return true;
  return expr.name === 'String' || expr.name === 'ContinuedString';
}

function alwaysRaises(body: SyntaxNode): boolean {
  for (let c = body.firstChild; c; c = c.nextSibling) {
    if (c.name === 'RaiseStatement') return true;
    if (c.name === 'ReturnStatement' || containsReturn(c)) return false;
  }
  return false;
}

function containsReturn(stmt: SyntaxNode): boolean {
  if (!/Statement$/.test(stmt.name) || stmt.name === 'ExpressionStatement' || stmt.name === 'AssignStatement') return false;
  let found = false;
  stmt.cursor().iterate((ref) => {
    if (found || ref.name === 'FunctionDefinition' || ref.name === 'Lambda' || ref.name === 'ClassDefinition') return false;
    if (ref.name === 'ReturnStatement') found = true;
    return !found;
  });
  return found;
}

function raisesNotImplemented(text: string, statements: SyntaxNode[]): boolean {
  let i = 0;
  if (statements[0] && isDocstring(statements[0])) i++;
  const stmt = statements[i];
  if (!stmt || stmt.name !== 'RaiseStatement') return false;
  const raised = stmt.firstChild?.nextSibling;
  if (!raised) return false;
  const target = raised.name === 'CallExpression' ? raised.firstChild : raised;
  return !!target && target.name === 'VariableName' && text.slice(target.from, target.to) === 'NotImplementedError';
}

function isDocstring(statement: SyntaxNode): boolean {
  if (statement.name !== 'ExpressionStatement') return false;
  const parts = childrenOf(statement);
  return parts.length === 1 && (parts[0].name === 'String' || parts[0].name === 'ContinuedString');
}
