import { findStringLiteralEnd, lineIndexOf } from '../../parse';
import type { MigrationFunction, OpCall } from '../../parse/types';
import { lastTokenEnd, sqlInsertion, wrapInAutocommitBlock } from '../../sql/edits';
import { appendArgumentEdit, indentOf } from '../ops/edits';
import type { Fix, RuleContext, TextEdit } from '../types';
import type { Version } from '../versionSpec';
import type { LockEvent } from './types';

/**
 * The quick fixes of the lock rules. Each one writes the safe form the rule's doc page shows,
 * and each is applied and linted again in test/unit/rules/locks/fixes.test.ts.
 */

/** `if_not_exists`/`if_exists` on create_index/drop_index arrived in Alembic 1.11.2. */
const INDEX_GUARDS: Version = [1, 11, 2];

function atLeast(v: Version | undefined, since: Version): boolean {
  return v !== undefined && (v[0] - since[0] || v[1] - since[1] || v[2] - since[2]) >= 0;
}

function fix(ctx: RuleContext, title: string, edits: TextEdit[]): Fix {
  return { title, edits: [{ file: ctx.file.path, edits }], isPreferred: true };
}

/**
 * Sets a keyword argument of a call to `True`: replaces `keyword=<anything>` when the call has
 * it, else appends it, together with `extra` keywords the call lacks.
 */
function keywordEdits(ctx: RuleContext, call: OpCall, keyword: string, extra: string[]): TextEdit[] | undefined {
  const edits: TextEdit[] = [];
  const present = call.args.find((a) => a.keyword === keyword);
  const append = extra.filter((k) => !call.args.some((a) => a.keyword === k.split('=')[0]));
  if (present) edits.push({ range: present.range, newText: `${keyword}=True` });
  else append.unshift(`${keyword}=True`);
  if (append.length > 0) {
    const edit = appendArgumentEdit(ctx.file, call, append.join(', '));
    if (!edit) return undefined;
    edits.push(edit);
  }
  return edits;
}

/**
 * For `index-without-concurrently` and `drop-index-without-concurrently`: build or drop the
 * index CONCURRENTLY, re-runnable, in an autocommit block. A batch_op call runs at the end of
 * its `with` block, outside any autocommit block written inside it, so it gets no fix.
 */
export function concurrentlyFix(ctx: RuleContext, e: LockEvent): Fix | undefined {
  if (e.kind !== 'create-index' && e.kind !== 'drop-index') return undefined;
  const creating = e.kind === 'create-index';
  const s = e.source;
  if (s.via === 'op') {
    if (s.call.receiver === 'batch') return undefined;
    const guard = creating ? 'if_not_exists=True' : 'if_exists=True';
    // A guard needs a name: PostgreSQL refuses IF NOT EXISTS on an index without one.
    const canGuard = atLeast(ctx.targets.alembicVersion, INDEX_GUARDS) && e.index !== undefined;
    const inner = keywordEdits(ctx, s.call, 'postgresql_concurrently', canGuard ? [guard] : []);
    if (!inner) return undefined;
    const edits = s.call.inAutocommitBlock ? inner : [wrapInAutocommitBlock(ctx.file, s.call.range, inner)];
    if (edits.some((x) => x === undefined)) return undefined;
    return fix(ctx, `${creating ? 'Create' : 'Drop'} the index concurrently in an autocommit block`, edits as TextEdit[]);
  }
  // CONCURRENTLY refuses a DO block and a string of several statements, and DROP INDEX
  // CONCURRENTLY takes one index and no CASCADE.
  if (s.statement.inDo || s.topLevel !== 1 || (e.kind === 'drop-index' && !e.single)) return undefined;
  const text = s.sql.prepared.slice(s.statement.start, s.statement.end);
  const head = (creating ? /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+/i : /^DROP\s+INDEX\s+/i).exec(text);
  if (!head) return undefined;
  let insert = 'CONCURRENTLY ';
  if (creating && !e.ifNotExists && e.index !== undefined) insert += 'IF NOT EXISTS ';
  if (e.kind === 'drop-index' && !e.ifExists) insert += 'IF EXISTS ';
  const edit = sqlInsertion(ctx.file, s.sql.source, s.statement.start + head[0].length, insert);
  if (!edit) return undefined;
  const edits = s.sql.source.inAutocommitBlock ? [edit] : [wrapInAutocommitBlock(ctx.file, s.sql.source.callRange, [edit])];
  if (edits.some((x) => x === undefined)) return undefined;
  return fix(ctx, `Insert ${insert.trim()} and run it in an autocommit block`, edits as TextEdit[]);
}

/** For `constraint-without-not-valid`: add the constraint NOT VALID. */
export function notValidFix(ctx: RuleContext, e: LockEvent): Fix | undefined {
  const s = e.source;
  if (s.via === 'op') {
    const edits = keywordEdits(ctx, s.call, 'postgresql_not_valid', []);
    return edits ? fix(ctx, 'Add postgresql_not_valid=True', edits) : undefined;
  }
  // NOT VALID goes at the end of its constraint; only the end of a one-command statement is known.
  const cmds = s.statement.node.cmds;
  if (!Array.isArray(cmds) || cmds.length !== 1 || s.statement.dynamic) return undefined;
  const end = lastTokenEnd(s.sql.source.text, s.sql.lex, s.statement.start, s.statement.end);
  const edit = sqlInsertion(ctx.file, s.sql.source, end, ' NOT VALID');
  return edit ? fix(ctx, 'Add the constraint NOT VALID', [edit]) : undefined;
}

const OP_IMPORT = /^[ \t]*from[ \t]+alembic[ \t]+import[ \t]+\(?[^\n]*?\bop\b(?:[ \t]+as[ \t]+(\w+))?/m;

/** For `missing-lock-timeout`: `op.execute("SET lock_timeout = '5s'")` as the function's first statement (after its docstring). */
export function lockTimeoutFix(ctx: RuleContext, fn: MigrationFunction): Fix | undefined {
  const file = ctx.file;
  const imported = OP_IMPORT.exec(file.text);
  if (!imported) return undefined;
  const op = imported[1] ?? 'op';
  const lines = lineIndexOf(file);
  const body = fn.bodyRange.start;
  // A body on the `def` line has no line of its own to put a statement before.
  if (body.line === fn.nameRange.start.line) return undefined;
  let line = body.line;
  const at = lines.offsetAt(body);
  if (/^[rRuUbBfF]{0,2}["']/.test(file.text.slice(at, at + 3))) {
    const end = findStringLiteralEnd(file.text, at);
    if (end < 0) return undefined;
    line = lines.positionAt(end).line + 1;
  }
  const indent = indentOf(file, body.line);
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  const position = { line, character: 0 };
  return fix(ctx, "Set lock_timeout to 5s at the start of the function", [{ range: { start: position, end: position }, newText: `${indent}${op}.execute("SET lock_timeout = '5s'")${eol}` }]);
}

