import { lineIndexOf, literalName } from '../../parse';
import type { CallArg, MigrationFunction, OpCall, RevisionFile } from '../../parse/types';
import type { Range } from '../../types';
import type { TextEdit } from '../types';
import { CONSTRAINT_TYPES } from './changes';
import { indentOf } from './edits';
import { argOf, columnCall, columnNameArg } from './signatures';

/**
 * The downgrade that reverses an upgrade's `op.*` calls, in the opposite order, as source
 * text. Undefined unless every call is reversible with statically known names and sits
 * directly in the function (or directly in a batch block there): a call under `if` or `for`,
 * executed SQL, a helper function or any call without an inverse means a person has to write
 * the downgrade. Arguments are copied as written, so quotes and `op.f(...)` are kept.
 */

/** One statement of the downgrade; `batch` statements go in the block they are listed under. */
export interface Step {
  text: string;
  batch?: { header: string; statements: string[] };
}

const STRUCTURAL = new Set(['f', 'get_bind', 'get_context']);
const HELPER_CALL = /^[ \t]*([a-z_]\w*)\s*\(/m;
const KEYWORDS = new Set(['if', 'elif', 'while', 'for', 'return', 'assert', 'not', 'del', 'raise', 'with', 'await', 'print', 'yield', 'lambda']);

export function reversedSteps(file: RevisionFile, up: MigrationFunction): Step[] | undefined {
  if (up.sql.length > 0 || up.raisesNotImplemented) return undefined;
  const lines = lineIndexOf(file);
  const body = file.text.slice(lines.lineStart(up.bodyRange.start.line), lines.offsetAt(up.bodyRange.end));
  const helper = HELPER_CALL.exec(body);
  if (helper && !KEYWORDS.has(helper[1]!)) return undefined;
  const indent = indentOf(file, up.bodyRange.start.line);
  const prefix = (c: OpCall): string => file.text.slice(lines.lineStart(c.range.start.line), lines.offsetAt(c.range.start));
  const steps: Step[] = [];
  let block: Step['batch'] | undefined;
  let blockIndent: string | undefined;
  for (const call of up.opCalls) {
    if (STRUCTURAL.has(call.name)) continue;
    if (call.name === 'batch_alter_table') {
      const header = batchHeader(file, call, indent);
      if (!header) return undefined;
      block = { header, statements: [] };
      blockIndent = undefined;
      steps.push({ text: '', batch: block });
      continue;
    }
    const before = prefix(call);
    if (call.receiver === 'batch') {
      blockIndent ??= before;
      if (!block || before !== blockIndent || !/^[ \t]+$/.test(before) || before.length <= indent.length) return undefined;
    } else {
      block = undefined;
      if (!new RegExp(`^${indent}(?:[A-Za-z_]\\w*\\s*=\\s*)?$`).test(before)) return undefined;
    }
    const text = reverseCall(file, call);
    if (text === undefined) return undefined;
    if (call.receiver === 'batch') block!.statements.unshift(text);
    else steps.push({ text });
  }
  const kept = steps.filter((s) => !s.batch || s.batch.statements.length > 0);
  return kept.length > 0 ? kept.reverse() : undefined;
}

/** `with op.batch_alter_table("t") as batch_op:` when written on one line at the body's indentation. */
function batchHeader(file: RevisionFile, call: OpCall, indent: string): string | undefined {
  const lines = lineIndexOf(file);
  const start = lines.lineStart(call.range.start.line);
  const lineText = file.text.slice(start, lines.lineStart(call.range.start.line + 1)).replace(/\r?\n$/, '');
  const m = new RegExp(`^${indent}(with\\s+.*\\bas\\s+[A-Za-z_]\\w*\\s*:)\\s*(?:#.*)?$`).exec(lineText);
  return m?.[1];
}

function sourceOf(file: RevisionFile, range: Range): string {
  const lines = lineIndexOf(file);
  return file.text.slice(lines.offsetAt(range.start), lines.offsetAt(range.end));
}

/** The text of a name argument that is a literal or `op.f("...")`. */
function nameText(arg: CallArg | undefined): string | undefined {
  return arg && literalName(arg.value) !== undefined ? arg.text : undefined;
}

function quoteOf(texts: (string | undefined)[]): string {
  for (const t of texts) {
    const m = t && /['"]/.exec(t);
    if (m) return m[0];
  }
  return '"';
}

/** `, schema="s"` copied from `keyword`, '' when absent, undefined when it is not a literal. */
function schemaArg(call: OpCall, keyword = 'schema'): string | undefined {
  const a = call.args.find((x) => x.keyword === keyword);
  if (!a) return '';
  return typeof a.value === 'string' || a.value === null ? `, schema=${a.text}` : undefined;
}

const ALTER_ONLY = new Set(['new_column_name', 'schema', 'existing_type', 'existing_nullable', 'existing_server_default', 'existing_comment']);

function reverseCall(file: RevisionFile, call: OpCall): string | undefined {
  const receiver = sourceOf(file, call.calleeRange).replace(/\s*\.\s*[A-Za-z_]\w*$/, '');
  const batch = call.receiver === 'batch';
  if (call.args.some((a) => a.text.startsWith('*'))) return undefined;
  switch (call.name) {
    case 'create_table': {
      const name = nameText(argOf(call, 'table_name'));
      const schema = schemaArg(call);
      return name !== undefined && schema !== undefined ? `${receiver}.drop_table(${name}${schema})` : undefined;
    }
    case 'add_column': {
      const column = columnCall(call);
      const columnName = column && columnNameArg(column)?.text;
      if (columnName === undefined) return undefined;
      if (batch) return `${receiver}.drop_column(${columnName})`;
      const table = nameText(argOf(call, 'table_name'));
      const schema = schemaArg(call);
      return table !== undefined && schema !== undefined ? `${receiver}.drop_column(${table}, ${columnName}${schema})` : undefined;
    }
    case 'create_index': {
      const name = nameText(argOf(call, 'index_name'));
      if (name === undefined) return undefined;
      if (batch) return `${receiver}.drop_index(${name})`;
      const table = nameText(argOf(call, 'table_name'));
      const schema = schemaArg(call);
      return table !== undefined && schema !== undefined ? `${receiver}.drop_index(${name}, table_name=${table}${schema})` : undefined;
    }
    case 'rename_table': {
      const from = nameText(argOf(call, 'old_table_name'));
      const to = nameText(argOf(call, 'new_table_name'));
      const schema = schemaArg(call);
      return from !== undefined && to !== undefined && schema !== undefined ? `${receiver}.rename_table(${to}, ${from}${schema})` : undefined;
    }
    case 'alter_column': {
      if (call.args.some((a) => a.keyword !== undefined && !ALTER_ONLY.has(a.keyword))) return undefined;
      const column = argOf(call, 'column_name');
      const renamed = argOf(call, 'new_column_name');
      if (typeof column?.value !== 'string' || typeof renamed?.value !== 'string') return undefined;
      if (batch) return `${receiver}.alter_column(${renamed.text}, new_column_name=${column.text})`;
      const table = nameText(argOf(call, 'table_name'));
      const schema = schemaArg(call);
      return table !== undefined && schema !== undefined ? `${receiver}.alter_column(${table}, ${renamed.text}, new_column_name=${column.text}${schema})` : undefined;
    }
    default: {
      const type = CONSTRAINT_TYPES[call.name];
      if (type === undefined) return undefined;
      const name = nameText(argOf(call, 'constraint_name'));
      if (name === undefined) return undefined;
      const q = quoteOf([name]);
      const typeArg = type ? `, type_=${q}${type}${q}` : '';
      if (batch) return `${receiver}.drop_constraint(${name}${typeArg})`;
      const table = nameText(argOf(call, call.name === 'create_foreign_key' ? 'source_table' : 'table_name'));
      const schema = schemaArg(call, call.name === 'create_foreign_key' ? 'source_schema' : 'schema');
      return table !== undefined && schema !== undefined ? `${receiver}.drop_constraint(${name}, ${table}${typeArg}${schema})` : undefined;
    }
  }
}

/** The statements as lines, each indented by `indent`, batch statements one level deeper. */
function renderSteps(steps: readonly Step[], indent: string): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (!s.batch) out.push(`${indent}${s.text}`);
    else {
      out.push(`${indent}${s.batch.header}`);
      for (const t of s.batch.statements) out.push(`${indent}${indent}${t}`);
    }
  }
  return out;
}

/**
 * The edits that write `downgradeName()` from `steps`: replacing the `pass`/`...` of an empty
 * downgrade (comments and the docstring stay), or adding the function after the upgrade.
 */
export function downgradeEdits(file: RevisionFile, up: MigrationFunction, down: MigrationFunction | undefined, downName: string, steps: readonly Step[]): TextEdit[] {
  const lines = lineIndexOf(file);
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  const upIndent = indentOf(file, up.bodyRange.start.line);
  if (!down) {
    const head = sourceOf(file, { start: up.range.start, end: up.nameRange.start });
    const signature = file.text
      .slice(lines.offsetAt(up.nameRange.end), lines.offsetAt(up.bodyRange.start))
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*$/, '').trimEnd())
      .filter((l) => l.length > 0)
      .join(eol);
    const text = [`${eol}${eol}${eol}${head}${downName}${signature}`, ...renderSteps(steps, upIndent)].join(eol);
    return [{ range: { start: up.range.end, end: up.range.end }, newText: text }];
  }
  if (down.bodyRange.start.line === down.nameRange.start.line) {
    // `def downgrade(): pass` has its body on the def line; it moves to lines of its own.
    const start = lines.offsetAt(down.bodyRange.start);
    let from = start;
    while (from > 0 && (file.text[from - 1] === ' ' || file.text[from - 1] === '\t')) from--;
    const text = ['', ...renderSteps(steps, upIndent)].join(eol);
    return [{ range: { start: lines.positionAt(from), end: down.bodyRange.end }, newText: text }];
  }
  const edits: TextEdit[] = [];
  const indent = indentOf(file, down.bodyRange.start.line);
  const rendered = renderSteps(steps, indent);
  for (let line = down.bodyRange.start.line; line <= down.bodyRange.end.line; line++) {
    const start = lines.lineStart(line);
    const next = lines.lineStart(line + 1);
    const text = file.text.slice(start, line + 1 < lines.lineCount ? next : file.text.length).replace(/\r?\n$/, '');
    if (!/^[ \t]*(?:pass|\.\.\.)[ \t]*(?:#.*)?$/.test(text)) continue;
    if (edits.length === 0) edits.push({ range: { start: { line, character: 0 }, end: { line, character: text.length } }, newText: rendered.join(eol) });
    else edits.push({ range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: '' });
  }
  if (edits.length === 0) edits.push({ range: { start: down.bodyRange.end, end: down.bodyRange.end }, newText: eol + rendered.join(eol) });
  return edits;
}
