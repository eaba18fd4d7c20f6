import { checkedEvents, describeSource, eventRange } from './locks/events';
import { concurrentlyFix } from './locks/fixes';
import { byForm, tableText } from './locks/messages';
import type { Rule } from './types';

/**
 * `CREATE INDEX` without CONCURRENTLY takes a SHARE lock on the table: reads go on, but every
 * INSERT, UPDATE and DELETE waits until the whole index is built. Squawk:
 * require-concurrent-index-creation; strong_migrations: add_index.
 */
export const indexWithoutConcurrently: Rule = {
  id: 'index-without-concurrently',
  defaultSeverity: 'warning',
  description: 'CREATE INDEX (op.create_index) without CONCURRENTLY on an existing table, which blocks writes while the index builds.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'create-index' || e.concurrently || !e.existing) continue;
        const fix = concurrentlyFix(ctx, e);
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} builds ${e.index ? `index \`${e.index}\`` : 'an index'} without CONCURRENTLY, so writes to ${tableText(e)} are blocked until the whole index is built.`,
          help: byForm(
            e,
            'Pass postgresql_concurrently=True and run the call in `with op.get_context().autocommit_block():`.',
            'Write CREATE INDEX CONCURRENTLY and run it alone in `with op.get_context().autocommit_block():`.',
          ),
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};
