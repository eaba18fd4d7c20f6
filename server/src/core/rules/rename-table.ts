import { checkedEvents, describeSource, eventRange, tableRestoredLater } from './locks/events';
import { tableText } from './locks/messages';
import type { Rule } from './types';

/**
 * Renaming a table is instant, but the application version that is still running queries the
 * old name and fails, unless the same transaction puts a view (or a table) with the old name
 * in its place.
 * Squawk: renaming-table; strong_migrations: rename_table.
 */
export const renameTable: Rule = {
  id: 'rename-table',
  defaultSeverity: 'warning',
  description: 'ALTER TABLE ... RENAME TO (op.rename_table) of an existing table, which breaks the application version still running.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      events.forEach((e, i) => {
        if (e.kind !== 'rename-table' || !e.existing || e.renamedHere || tableRestoredLater(events, i, e.table)) return;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} renames ${tableText(e)}${e.to ? ` to \`${e.to}\`` : ''}, so the application version still running fails when it queries the old name.`,
          help: 'Create the new table, write to both, backfill, switch reads, then drop the old one in a later release; or rename it and leave a view with the old name until the old version is gone.',
        });
      });
    }
  },
};
