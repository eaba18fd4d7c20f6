import type { SyntaxNode } from '@lezer/common';
import { stringLiteralValue, type Source } from './pyValues';
import { childrenOf } from './syntax';
import type { ExistenceGuard } from './types';

/**
 * Code that runs only after the migration looked at the catalog for a named object:
 *
 *     if "user_email_idx" not in {i["name"] for i in inspector.get_indexes("user")}: ...
 *     if not inspector.has_table("audit_log"): ...
 *     if "ix_orders_placed_at" in existing: return
 *
 * Every branch of such an `if` (and, after a branch that returns or raises, the rest of the
 * block) depends on whether the object exists, so creating or dropping it there is guarded the
 * way IF [NOT] EXISTS guards it. An object is matched by a string literal in the test; a test
 * that names objects only through variables guards nothing here.
 */

const EXISTENCE_TEST = /\bnot\s+in\b|\bin\b|\bhas_\w+\s*\(|exists?\w*\s*\(/;
// A function whose text has no `if` with one of these has no such guard, and costs one regex.
const MAY_GUARD = /\bif\b[^\n]*(?:\bin\b|\bhas_\w+|exist)/;

export function existenceGuardsOf(src: Source, fn: SyntaxNode, body: SyntaxNode): ExistenceGuard[] {
  if (!MAY_GUARD.test(src.text.slice(fn.from, fn.to))) return [];
  const guards: ExistenceGuard[] = [];
  const visit = (block: SyntaxNode): void => {
    for (let stmt = block.firstChild; stmt; stmt = stmt.nextSibling) {
      if (stmt.name === 'IfStatement') ifStatement(stmt, block);
      for (let c = stmt.firstChild; c; c = c.nextSibling) if (c.name === 'Body') visit(c);
    }
  };
  const ifStatement = (stmt: SyntaxNode, block: SyntaxNode): void => {
    const parts = childrenOf(stmt);
    const names: string[] = [];
    const bodies: SyntaxNode[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if ((p.name === 'if' || p.name === 'elif') && parts[i + 1] && parts[i + 1]!.name !== 'Body') {
        const test = parts[i + 1]!;
        if (EXISTENCE_TEST.test(src.text.slice(test.from, test.to))) names.push(...literalsIn(src, test));
      } else if (p.name === 'Body') bodies.push(p);
    }
    if (names.length === 0) return;
    for (const b of bodies) guards.push({ range: src.lines.rangeOf(b.from, b.to), names });
    const next = stmt.nextSibling;
    if (next && bodies.some(exits)) guards.push({ range: src.lines.rangeOf(next.from, block.to), names });
  };
  visit(body);
  return guards;
}

function literalsIn(src: Source, node: SyntaxNode): string[] {
  const out: string[] = [];
  node.cursor().iterate((ref) => {
    if (ref.name !== 'String' && ref.name !== 'ContinuedString') return true;
    const value = stringLiteralValue(src, ref.node);
    if (value !== undefined && value !== '') out.push(value.toLowerCase());
    return false;
  });
  return out;
}

function exits(body: SyntaxNode): boolean {
  let last: SyntaxNode | null = body.lastChild;
  while (last && last.name === 'Comment') last = last.prevSibling;
  return !!last && (last.name === 'ReturnStatement' || last.name === 'RaiseStatement' || last.name === 'ContinueStatement');
}
