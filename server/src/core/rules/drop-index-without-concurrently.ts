import { checkedEvents, describeSource, eventRange } from './locks/events';
import { concurrentlyFix } from './locks/fixes';
import { byForm, tableText } from './locks/messages';
import type { LockEvent } from './locks/types';
import type { Rule } from './types';

/**
 * `DROP INDEX` without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table. The
 * drop itself is quick, but while it waits for that lock every query on the table queues
 * behind it. When the same transaction takes that lock on the table anyway (it drops the
 * table or one of its columns, alters a column), dropping the index concurrently would not
 * spare the lock, so that drop is not reported. Squawk: require-concurrent-index-deletion.
 */
export const dropIndexWithoutConcurrently: Rule = {
  id: 'drop-index-without-concurrently',
  defaultSeverity: 'info',
  description: 'DROP INDEX (op.drop_index) without CONCURRENTLY on an existing table, which takes an ACCESS EXCLUSIVE lock on it.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'drop-index' || e.concurrently || !e.existing || lockedAnyway(events, e)) continue;
        const fix = concurrentlyFix(ctx, e);
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} drops ${e.index ? `index \`${e.index}\`` : 'an index'} without CONCURRENTLY, so it takes an ACCESS EXCLUSIVE lock on ${tableText(e)} and blocks its reads and writes while it waits for it.`,
          help: byForm(
            e,
            'Pass postgresql_concurrently=True and run the call in `with op.get_context().autocommit_block():`.',
            'Write DROP INDEX CONCURRENTLY and run it alone in `with op.get_context().autocommit_block():`.',
          ),
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};

/** Changes that take ACCESS EXCLUSIVE on their table (a non-concurrent DROP INDEX aside, which is what the rule is about). */
const EXCLUSIVE = new Set<LockEvent['kind']>(['drop-table', 'rename-table', 'add-column', 'drop-column', 'rename-column', 'alter-type', 'set-not-null', 'other-lock']);

/** Whether another change in the same transaction takes ACCESS EXCLUSIVE on the index's table. */
function lockedAnyway(events: readonly LockEvent[], e: LockEvent): boolean {
  if (e.table === undefined) return false;
  return events.some(
    (o) =>
      o !== e &&
      o.transaction === e.transaction &&
      o.table === e.table &&
      (EXCLUSIVE.has(o.kind) || (o.kind === 'add-constraint' && o.type !== 'foreign-key')),
  );
}
