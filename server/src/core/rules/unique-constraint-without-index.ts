import { checkedEvents, describeSource, eventRange } from './locks/events';
import { tableText } from './locks/messages';
import type { Rule } from './types';

/**
 * A UNIQUE or PRIMARY KEY constraint builds its index while holding an ACCESS EXCLUSIVE lock on
 * the table. Built first with CREATE UNIQUE INDEX CONCURRENTLY, the index becomes the
 * constraint with `ADD CONSTRAINT ... USING INDEX`, which only takes the lock for a moment.
 * The `op.*` calls have no such option. Squawk: disallowed-unique-constraint,
 * adding-serial-primary-key-field.
 */
export const uniqueConstraintWithoutIndex: Rule = {
  id: 'unique-constraint-without-index',
  defaultSeverity: 'warning',
  description: 'A UNIQUE or PRIMARY KEY constraint added to an existing table without USING INDEX, which builds the index under an ACCESS EXCLUSIVE lock.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'add-constraint' || e.usingIndex || !e.existing || (e.type !== 'unique' && e.type !== 'primary-key')) continue;
        const what = `${e.type === 'unique' ? 'unique constraint' : 'primary key'}${e.constraint ? ` \`${e.constraint}\`` : ''}`;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} adds ${what} and builds its index while holding an ACCESS EXCLUSIVE lock that blocks reads and writes of ${tableText(e)}.`,
          help: `Build the index with CREATE UNIQUE INDEX CONCURRENTLY in an autocommit block, then op.execute("ALTER TABLE ... ADD CONSTRAINT ... ${e.type === 'unique' ? 'UNIQUE' : 'PRIMARY KEY'} USING INDEX ...").`,
        });
      }
    }
  },
};
