import { DEFAULT_DIALECT, dialectAt } from '../dialect';
import { literalName } from '../parse';
import type { OpCall } from '../parse/types';
import { consequence, functionRun, rerunReason } from './idempotency/functionRun';
import type { Guard } from './idempotency/opEffects';
import { appendArgumentEdit } from './ops/edits';
import { columnCall, columnNameArg, nameOf, tableOf } from './ops/signatures';
import type { Fix, Rule, RuleContext } from './types';
import type { Version } from './versionSpec';

/**
 * `op.*` DDL that fails when its migration function runs a second time (simulated for the
 * whole function, see idempotency/secondRun.ts), where a second run can happen (the
 * `idempotency` setting) and the guard can be written: the project's Alembic renders
 * `if_not_exists=True`/`if_exists=True` for the call (indexes since 1.11.2, tables since
 * 1.13.3, columns since 1.16.0) and the database accepts the IF [NOT] EXISTS it renders. An
 * unknown Alembic version counts as the oldest, so nothing is reported: passing the keyword to
 * an older Alembic is an error.
 */
export const nonIdempotentOp: Rule = {
  id: 'non-idempotent-op',
  defaultSeverity: 'info',
  description: 'op.create_*/drop_*/add_column/drop_column that fail when the migration runs a second time, where a second run can happen and the project’s Alembic and database support if_not_exists=True/if_exists=True.',
  check(ctx) {
    const version = ctx.targets.alembicVersion;
    if (!version) return;
    const env = ctx.targets.dialect ?? DEFAULT_DIALECT;
    for (const fn of ctx.file.functions) {
      if (fn.opCalls.length === 0) continue;
      const run = functionRun(ctx, fn);
      for (const step of run.opSteps) {
        const effect = step.effects.find((e) => e.guard && run.failures.has(e));
        const guard = effect?.guard;
        if (!guard || !atLeast(version, guard.since)) continue;
        const dialect = dialectAt(fn, step.at, env).name;
        if (dialect === undefined || !supports(dialect, guard)) continue;
        const reason = rerunReason(ctx, fn, step.at, step.autocommit);
        if (!reason) continue;
        const what = describe(step.call, guard);
        const fix = guardFix(ctx, step.call, guard);
        ctx.report({
          range: step.call.calleeRange,
          message: `${what} fails when it ${guard.creates ? 'already exists' : 'no longer exists'}${consequence(reason)}`,
          help: `Pass ${guard.keyword}=True (Alembic ${guard.since.join('.')} and later).`,
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};

/**
 * Which IF [NOT] EXISTS each database accepts in what Alembic renders: PostgreSQL and MariaDB
 * all of them; MySQL only for tables; SQLite for tables and indexes, not for columns. Others
 * are not claimed.
 */
const SUPPORTED: Record<string, readonly Guard['object'][]> = {
  postgresql: ['table', 'index', 'column'],
  mariadb: ['table', 'index', 'column'],
  mysql: ['table'],
  sqlite: ['table', 'index'],
};

function supports(dialect: string, guard: Guard): boolean {
  return SUPPORTED[dialect]?.includes(guard.object) ?? false;
}

function atLeast(v: Version, since: Version): boolean {
  return (v[0] - since[0] || v[1] - since[1] || v[2] - since[2]) >= 0;
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
