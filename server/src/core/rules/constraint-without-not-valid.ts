import { checkedEvents, describeSource, eventRange } from './locks/events';
import { notValidFix } from './locks/fixes';
import { byForm, tableText } from './locks/messages';
import type { Rule } from './types';

/**
 * Adding a foreign key or a check constraint checks every existing row while holding the
 * ALTER's lock: SHARE ROW EXCLUSIVE on both tables for a foreign key (writes wait), ACCESS
 * EXCLUSIVE for a check (reads wait too). Added NOT VALID it checks only new rows, and a later
 * `VALIDATE CONSTRAINT` checks the old ones under SHARE UPDATE EXCLUSIVE, which lets reads and
 * writes go on. Squawk: adding-foreign-key-constraint, constraint-missing-not-valid;
 * strong_migrations: add_foreign_key, add_check_constraint.
 */
export const constraintWithoutNotValid: Rule = {
  id: 'constraint-without-not-valid',
  defaultSeverity: 'warning',
  description: 'A foreign key or check constraint added to an existing table without NOT VALID, which checks every row while the lock is held.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'add-constraint' || e.notValid || !e.existing || (e.type !== 'foreign-key' && e.type !== 'check')) continue;
        const what = `${e.type === 'foreign-key' ? 'foreign key' : 'check constraint'}${e.constraint ? ` \`${e.constraint}\`` : ''}`;
        const lock =
          e.type === 'foreign-key'
            ? `a SHARE ROW EXCLUSIVE lock that blocks writes to ${tableText(e)} and to the table it references`
            : `an ACCESS EXCLUSIVE lock that blocks reads and writes of ${tableText(e)}`;
        const fix = notValidFix(ctx, e);
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} adds ${what} and checks every existing row while holding ${lock}.`,
          help: byForm(
            e,
            'Pass postgresql_not_valid=True, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration.',
            'Add it NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration.',
          ),
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};
