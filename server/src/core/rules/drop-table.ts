import { checkedEvents, describeSource, eventRange, tableRestoredLater } from './locks/events';
import { tableText } from './locks/messages';
import type { Rule } from './types';

/**
 * Dropping a table the application version still running uses breaks it, and the drop waits
 * for an ACCESS EXCLUSIVE lock on the table. The table has to leave the code in one deploy and
 * the database in a later one. A table the same transaction creates again (or renames another
 * to) under that name is a swap the running version never sees missing. strong_migrations:
 * drop_table; Squawk: ban-drop-table.
 */
export const dropTable: Rule = {
  id: 'drop-table',
  defaultSeverity: 'warning',
  description: 'DROP TABLE (op.drop_table) of an existing table, which breaks the application version still running if it uses the table.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      events.forEach((e, i) => {
        if (e.kind !== 'drop-table' || !e.existing || e.renamedHere || tableRestoredLater(events, i, e.table)) return;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} drops ${tableText(e)}, so the application version still running fails on every query that uses it.`,
          help: 'Deploy the application without the table first (remove its model and queries), then drop it in a later migration; suppress this finding once that deploy is done.',
        });
      });
    }
  },
};
