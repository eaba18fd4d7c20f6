import { literalName } from '../parse';
import type { OpCall } from '../parse/types';
import { appendArgumentEdit } from './ops/edits';
import { argOf, columnCall, columnNameArg, nameOf, tableOf } from './ops/signatures';
import type { Fix, Rule, RuleContext } from './types';
import type { Version } from './versionSpec';
import { nameTable } from '../nameTable';

/**
 * `op.*` DDL that fails when it runs a second time (after a half-applied migration, a stamp
 * back, or the same change made by hand), where the project's Alembic can render the guard:
 * `if_not_exists=True`/`if_exists=True` arrived for indexes in 1.11.2, for tables in 1.13.3
 * and for columns in 1.16.0 (Alembic's changelog; the docstrings of 1.20 say 1.12.0 for
 * indexes, which is the release after the feature shipped). An unknown version counts as the
 * oldest, so nothing is reported: passing the keyword to an older Alembic is an error.
 */

interface Guard {
  keyword: 'if_not_exists' | 'if_exists';
  since: Version;
  /** What fails, for the message: "table", "index", "column". */
  object: string;
  creates: boolean;
}

const INDEX: Version = [1, 11, 2];
const TABLE: Version = [1, 13, 3];
const COLUMN: Version = [1, 16, 0];

const GUARDS = nameTable<Guard>({
  create_table: { keyword: 'if_not_exists', since: TABLE, object: 'table', creates: true },
  drop_table: { keyword: 'if_exists', since: TABLE, object: 'table', creates: false },
  create_index: { keyword: 'if_not_exists', since: INDEX, object: 'index', creates: true },
  drop_index: { keyword: 'if_exists', since: INDEX, object: 'index', creates: false },
  add_column: { keyword: 'if_not_exists', since: COLUMN, object: 'column', creates: true },
  drop_column: { keyword: 'if_exists', since: COLUMN, object: 'column', creates: false },
});

/** `batch_alter_table` has no create_table or drop_table. */
const BATCH_METHODS = new Set(['create_index', 'drop_index', 'add_column', 'drop_column']);

export const nonIdempotentOp: Rule = {
  id: 'non-idempotent-op',
  defaultSeverity: 'info',
  description: 'op.create_*/drop_*/add_column/drop_column without if_not_exists=True/if_exists=True, where the project’s Alembic supports them.',
  check(ctx) {
    const version = ctx.targets.alembicVersion;
    if (!version) return;
    for (const fn of ctx.file.functions) {
      for (const call of fn.opCalls) {
        const guard = GUARDS[call.name];
        if (!guard || (call.receiver === 'batch' && !BATCH_METHODS.has(call.name))) continue;
        if (!atLeast(version, guard.since) || !unguarded(call, guard)) continue;
        const what = describe(call, guard);
        const fix = guardFix(ctx, call, guard);
        ctx.report({
          range: call.calleeRange,
          message: guard.creates
            ? `${what} fails when it already exists, so running this migration again breaks.`
            : `${what} fails when it no longer exists, so running this migration again breaks.`,
          help: `Pass ${guard.keyword}=True (Alembic ${guard.since.join('.')} and later).`,
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};

function atLeast(v: Version, since: Version): boolean {
  return (v[0] - since[0] || v[1] - since[1] || v[2] - since[2]) >= 0;
}

/**
 * True when the call has no guard keyword at all. An explicit `if_exists=False` is a decision,
 * and `**kwargs` may carry the keyword, so neither is reported.
 */
function unguarded(call: OpCall, guard: Guard): boolean {
  if (call.args.some((a) => a.keyword === guard.keyword || a.text.startsWith('**'))) return false;
  // PostgreSQL refuses IF NOT EXISTS on an index without a name, and Alembic names none.
  if (call.name === 'create_index' && argOf(call, 'index_name')?.value === null) return false;
  return true;
}

/** "`op.create_table` of table `users`", naming the object when the call names it literally. */
function describe(call: OpCall, guard: Guard): string {
  const callee = `\`${call.receiver === 'batch' ? 'batch_op' : 'op'}.${call.name}\``;
  let name: string | undefined;
  if (guard.object === 'table') name = tableOf(call);
  else if (guard.object === 'index') name = nameOf(call, 'index_name');
  else {
    const table = tableOf(call);
    const added = columnCall(call);
    const column = call.name === 'drop_column' ? nameOf(call, 'column_name') : added && literalName(columnNameArg(added)?.value);
    name = column ? (table ? `${table}.${column}` : column) : undefined;
  }
  return name ? `${callee} of ${guard.object} \`${name}\`` : callee;
}

function guardFix(ctx: RuleContext, call: OpCall, guard: Guard): Fix | undefined {
  const edit = appendArgumentEdit(ctx.file, call, `${guard.keyword}=True`);
  if (!edit) return undefined;
  return { title: `Add ${guard.keyword}=True`, edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true };
}
