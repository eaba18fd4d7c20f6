import { changesWithoutRewrite } from './locks/columnTypes';
import { checkedEvents, describeSource, eventRange } from './locks/events';
import { columnText, tableText } from './locks/messages';
import type { LockEvent } from './locks/types';
import type { Rule } from './types';

/**
 * `SET NOT NULL` scans the whole table, under an ACCESS EXCLUSIVE lock, to check that no row
 * is null. From PostgreSQL 12 it skips the scan when a validated `CHECK (col IS NOT NULL)`
 * already proves it, and that check can be validated without blocking writes. Squawk:
 * adding-not-nullable-field; strong_migrations: change_column_null.
 */
export const setNotNull: Rule = {
  id: 'set-not-null',
  defaultSeverity: 'warning',
  description: 'SET NOT NULL (op.alter_column(nullable=False)) on an existing table, which scans it under an ACCESS EXCLUSIVE lock.',
  needsSql: true,
  check(ctx) {
    const version = ctx.targets.postgresVersion;
    for (const { events } of checkedEvents(ctx)) {
      events.forEach((e, i) => {
        if (e.kind !== 'set-not-null' || !e.existing || provenNotNull(events.slice(0, i), e) || rewrittenBySameAlter(events, e)) return;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} sets ${columnText(e, e.column)} NOT NULL, which scans the whole table under an ACCESS EXCLUSIVE lock that blocks reads and writes of ${tableText(e)}.`,
          help:
            version >= 12
              ? `Add CHECK (${e.column ?? 'col'} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration (no write lock), then SET NOT NULL (no scan) and drop the check.`
              : `Before PostgreSQL 12 SET NOT NULL always scans the table (postgres-version is ${version}): run it with a short lock_timeout when the table is quiet, or keep a validated CHECK (${e.column ?? 'col'} IS NOT NULL) instead.`,
        });
      });
    }
  },
};

/**
 * Whether the same call or statement also changes the column's type in a way that rewrites the
 * table: PostgreSQL then checks NOT NULL while it rewrites, and column-type-change reports it.
 */
function rewrittenBySameAlter(events: readonly LockEvent[], e: LockEvent): boolean {
  const unit = e.source.via === 'op' ? e.source.call : e.source.statement;
  return events.some((o) => o.kind === 'alter-type' && (o.source.via === 'op' ? o.source.call : o.source.statement) === unit && !(o.from && o.to && changesWithoutRewrite(o.from, o.to)));
}

/**
 * Whether an earlier change of the function leaves a validated `CHECK (col IS NOT NULL)` on
 * the table: one added without NOT VALID, or a VALIDATE CONSTRAINT of one added NOT VALID
 * (in this function, or earlier when the constraint's name mentions the column).
 */
function provenNotNull(before: readonly LockEvent[], e: Extract<LockEvent, { kind: 'set-not-null' }>): boolean {
  const column = e.column?.toLowerCase();
  if (column === undefined) return false;
  const checks = new Map<string, boolean>();
  for (const b of before) {
    if (b.table !== e.table) continue;
    if (b.kind === 'add-constraint' && b.notNullOf === column) {
      if (!b.notValid) return true;
      if (b.constraint !== undefined) checks.set(b.constraint.toLowerCase(), true);
    }
    if (b.kind === 'validate-constraint' && b.constraint !== undefined) {
      const name = b.constraint.toLowerCase();
      if (checks.has(name) || name.includes(column)) return true;
    }
  }
  return false;
}
