import { checkedEvents, columnRestoredLater, describeSource, eventRange, isNewColumn } from './locks/events';
import { columnText } from './locks/messages';
import type { Rule } from './types';

/**
 * SQLAlchemy selects every mapped column, so the application version still running fails on
 * every query of the table once a column it maps is gone. The column has to leave the models
 * in one deploy and the database in a later one. A column that the same transaction puts back
 * (a new column of that name, or another renamed to it) is a swap the running version never
 * sees missing. strong_migrations: remove_column; Squawk: ban-drop-column.
 */
export const dropColumn: Rule = {
  id: 'drop-column',
  defaultSeverity: 'warning',
  description: 'DROP COLUMN (op.drop_column), which breaks the application version still running if it maps the column.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      events.forEach((e, i) => {
        if (e.kind !== 'drop-column' || !e.existing || e.renamedHere || isNewColumn(events, i) || columnRestoredLater(events, i, e.column, e.columnExpression)) return;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} drops ${columnText(e, e.column)}, so the application version still running fails on every query that selects it (SQLAlchemy selects every mapped column).`,
          help: 'Deploy the application without the column first (remove it from the model), then drop it in a later migration; suppress this finding once that deploy is done.',
        });
      });
    }
  },
};
