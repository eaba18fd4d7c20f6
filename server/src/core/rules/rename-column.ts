import { checkedEvents, columnRestoredLater, describeSource, eventRange, isNewColumn } from './locks/events';
import { columnText } from './locks/messages';
import type { Rule } from './types';

/**
 * Renaming a column is instant, but the application version that is still running (during a
 * rolling deploy, or until every worker restarts) asks for the old name and fails, unless the
 * same transaction puts a column of the old name back (a swap: `a` to `tmp_a`, then a new
 * `a`). Squawk: renaming-column; strong_migrations: rename_column.
 */
export const renameColumn: Rule = {
  id: 'rename-column',
  defaultSeverity: 'warning',
  description: 'RENAME COLUMN (op.alter_column(new_column_name=...)) on an existing table, which breaks the application version still running.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      events.forEach((e, i) => {
        if (e.kind !== 'rename-column' || !e.existing || e.renamedHere || isNewColumn(events, i) || columnRestoredLater(events, i, e.column)) return;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} renames ${columnText(e, e.column)}${e.to ? ` to \`${e.to}\`` : ''}, so the application version still running fails when it uses the old name.`,
          help: 'Add the new column, write to both, backfill, switch reads to the new one, then drop the old one in a later release; or put a view in front of the table.',
        });
      });
    }
  },
};
